//! Malformed `.hist` inputs: each must be rejected with the exact line and
//! column of the offending token and a message that says what is wrong.
//! One helper, many small cases; a few rendered diagnostics are snapshot
//! with insta.

use concord::ParseOptions;
use concord::parse::hist;
use concord::render::diagnostic::render_parse_error;

/// Parses `input` and asserts it fails at `line`:`column` with a message
/// (or note) containing `fragment`.
#[track_caller]
fn assert_error(input: &str, line: u32, column: u32, fragment: &str) {
    let err = match hist::parse(input, &ParseOptions::default()) {
        Ok(h) => panic!(
            "expected an error, parsed {} operations from:\n{input}",
            h.len()
        ),
        Err(e) => e,
    };
    let all = format!("{}\n{}", err.message, err.notes.join("\n"));
    assert!(
        all.contains(fragment),
        "message {all:?} does not contain {fragment:?} (input {input:?})"
    );
    assert_eq!(
        (err.line, err.column),
        (line, column),
        "wrong position for {all:?} (input {input:?})"
    );
    assert!(err.span.start <= err.span.end && err.span.end <= input.len());
}

#[track_caller]
fn assert_ok(input: &str) -> concord::History {
    hist::parse(input, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{input:?} should parse: {e} {:?}", e.notes))
}

#[test]
fn unknown_kind_suggests_the_closest() {
    assert_error(
        "p1 wirte x 1 @ 0..1",
        1,
        4,
        "unknown operation kind \"wirte\"",
    );
    assert_error("p1 wirte x 1 @ 0..1", 1, 4, "did you mean `write`?");
    assert_error("p1 raed x 1", 1, 4, "did you mean `read`?");
}

#[test]
fn missing_value() {
    assert_error(
        "p1 write x @ 0..1",
        1,
        12,
        r#"expected a value after "write x", found "@""#,
    );
    assert_error(
        "p1 write",
        1,
        9,
        r#"expected a value after "write", found end of line"#,
    );
}

#[test]
fn integer_overflow() {
    assert_error(
        "p1 write x 9223372036854775808 @ 0..1",
        1,
        12,
        "integer 9223372036854775808 does not fit in 64 bits",
    );
    assert_ok("p1 write x -9223372036854775808 @ 0..1");
}

#[test]
fn unterminated_string() {
    assert_error("p1 write x \"abc @ 0..1", 1, 12, "unterminated string");
}

#[test]
fn bad_escape() {
    assert_error(r#"p1 write x "a\qb" @ 0..1"#, 1, 14, r"unknown escape `\q`");
}

#[test]
fn unterminated_list() {
    assert_error(
        "p1 write x [1 2 @ 0..1",
        1,
        17,
        "expected a value or `]` in the list, found \"@\"",
    );
    assert_error("p1 write x [1 2", 1, 12, "unclosed list");
}

#[test]
fn missing_dots() {
    assert_error("p1 write x 1 @ 0 10", 1, 18, "expected `..`");
}

#[test]
fn return_before_invoke() {
    assert_error(
        "p1 write x 1 @ 10..5",
        1,
        14,
        "return time 5 is before invoke time 10",
    );
}

#[test]
fn unknown_invoke_time() {
    assert_error(
        "p1 write x 1 @ ?..5",
        1,
        16,
        "the invoke time must be known",
    );
}

#[test]
fn garbage_after_operation() {
    assert_error(
        "p1 write x 1 2 @ 0..1",
        1,
        14,
        r#"expected `@ INVOKE..RETURN`, an outcome (ok, fail, info) or end of line after "write x 1", found "2""#,
    );
    assert_error(
        "p1 write x 1 @ 0..1 ok extra",
        1,
        24,
        "expected end of line",
    );
}

#[test]
fn unknown_outcome_word() {
    assert_error(
        "p1 write x 1 @ 0..1 fial",
        1,
        21,
        "unknown outcome \"fial\"",
    );
    assert_error("p1 write x 1 @ 0..1 fial", 1, 21, "did you mean `fail`?");
}

#[test]
fn result_on_a_write() {
    assert_error(
        "p1 write x 1 -> true @ 0..1",
        1,
        14,
        "a write has no answer",
    );
}

#[test]
fn completed_read_without_result() {
    assert_error(
        "p1 read x @ 0..1",
        1,
        10,
        "a completed read must say what it returned",
    );
    assert_error(
        "p1 read x @ 0..1",
        1,
        10,
        "write `?` if the value was not recorded",
    );
    // Without a completion it is fine.
    assert_ok("p1 read x @ 0..1 info");
}

#[test]
fn failed_read_with_result() {
    assert_error(
        "p1 read x 5 @ 0..1 fail",
        1,
        11,
        "a fail read returned nothing",
    );
}

#[test]
fn cas_with_one_value() {
    assert_error(
        "p1 cas x 1 @ 0..1",
        1,
        12,
        r#"expected the new value after "cas x 1", found "@""#,
    );
}

#[test]
fn bad_answer() {
    assert_error(
        "p1 cas x 1 2 -> maybe @ 0..1",
        1,
        17,
        "expected `true` or `false` after \"->\"",
    );
}

#[test]
fn reserved_word_as_key() {
    assert_error("p1 write nil 1 @ 0..1", 1, 10, "`nil` is a reserved word");
    assert_error(
        "p1 read ok 1 @ 0..1",
        1,
        9,
        "quote it to use it as a key: 'ok'",
    );
    assert_ok("p1 write 'nil' 1 @ 0..1");
}

#[test]
fn mixed_keyed_and_keyless() {
    assert_error(
        "p1 write x 1 @ 0..1\np2 read 1 @ 2..3",
        2,
        8,
        "names no key, but earlier operations do",
    );
    assert_error(
        "p1 write 1 @ 0..1\np2 read x 1 @ 2..3",
        2,
        9,
        "names a key, but earlier operations do not",
    );
}

#[test]
fn mixed_timed_and_untimed() {
    assert_error(
        "p1 write x 1 @ 0..1\np2 read x 1",
        2,
        12,
        "this line has no time, but earlier lines do",
    );
    assert_error(
        "p1 write x 1\np2 read x 1 @ 2..3",
        2,
        13,
        "this line has a time, but earlier lines do not",
    );
}

#[test]
fn unknown_header_directive() {
    assert_error(
        "%modle cas-register\n",
        1,
        2,
        "unknown header directive \"%modle\"",
    );
    assert_error("%modle cas-register\n", 1, 2, "did you mean `%model`?");
    assert_error(
        "%frobnicate 1\n",
        1,
        2,
        "the directives are %concord, %model, %initial, %unit, %quiescent, %meta, %form",
    );
}

#[test]
fn header_after_first_operation() {
    assert_error(
        "p1 write x 1 @ 0..1\n%initial 0\n",
        2,
        1,
        "header directive %initial after the first operation (line 1)",
    );
}

#[test]
fn per_key_initial_errors() {
    assert_error(
        "%initial x nil\n",
        1,
        12,
        "a per-key initial value cannot be nil",
    );
    assert_error(
        "%initial x 0\np1 write 1 @ 0..1\n",
        1,
        1,
        "%initial names a key, but the operations name no keys",
    );
    assert_ok("%initial '' 0\np1 write 1 @ 0..1\n");
}

#[test]
fn duplicate_header() {
    assert_error(
        "%unit ms\n%unit s\n",
        2,
        1,
        "duplicate %unit (first given on line 1)",
    );
}

#[test]
fn unsupported_version() {
    assert_error("%concord 2\n", 1, 10, "unsupported language version 2");
}

#[test]
fn two_outstanding_calls_in_event_form() {
    assert_error(
        "p1 invoke write x 1\np1 invoke read x\n",
        2,
        1,
        "still outstanding",
    );
}

#[test]
fn completion_without_call() {
    assert_error(
        "p1 invoke write x 1\np2 ok read x 1\n",
        2,
        4,
        "process p2 completes a call it never invoked",
    );
}

#[test]
fn mismatched_completion_kind() {
    assert_error(
        "p1 invoke write x 1\np1 ok read x 1\n",
        2,
        7,
        "this completion's kind does not match the call process p1 invoked on line 1",
    );
    assert_error(
        "p1 invoke write x 1\np1 ok write x 2\n",
        2,
        7,
        "this completion's arguments do not match",
    );
}

#[test]
fn interval_line_in_event_form() {
    assert_error(
        "p1 invoke write x 1\np1 write x 1 @ 0..1\n",
        2,
        4,
        "expected an event (invoke, ok, fail or info)",
    );
}

#[test]
fn overlapping_intervals_in_one_process() {
    assert_error(
        "p1 write x 1 @ 0..10\np1 write x 2 @ 5..12\n",
        2,
        14,
        "process p1 overlaps its own operation from line 1",
    );
}

#[test]
fn operation_after_a_pending_one() {
    assert_error(
        "p1 write x 1 @ 0..?\np1 write x 2 @ 5..12\n",
        2,
        1,
        "process p1 has an operation after its pending operation from line 1",
    );
    assert_error(
        "p1 write x 1 pending\np1 write x 2\n",
        2,
        1,
        "after its pending operation",
    );
}

#[test]
fn pending_with_a_definite_outcome() {
    assert_error("p1 write x 1 @ 0..? ok", 1, 21, "cannot be `ok`");
    assert_error(
        "p1 write x 1 @ 0..3 pending",
        1,
        21,
        "a pending call has no return time",
    );
}

#[test]
fn empty_process_name() {
    assert_error("'' write x 1 @ 0..1", 1, 1, "the process name is empty");
}

#[test]
fn missing_process_name() {
    assert_error("-5 write x 1", 1, 1, "expected a process name");
}

#[test]
fn txn_errors() {
    assert_error("p1 txn @ 0..1", 1, 8, "expected a micro-operation");
    assert_error(
        "p1 txn [x y 1] @ 0..1",
        1,
        9,
        "expected `r` or `w` in a micro-operation",
    );
    assert_error(
        "p1 txn [r x] @ 0..1",
        1,
        8,
        "a read in a completed txn must say what it returned",
    );
    assert_error("p1 txn [w x 1 @ 0..1", 1, 15, "expected `]`");
}

#[test]
fn read_result_with_arrow() {
    assert_error(
        "p1 read x -> 5 @ 0..1",
        1,
        11,
        "a read result is written without `->`",
    );
}

#[test]
fn malformed_values() {
    assert_error(
        "p1 write x 12abc @ 0..1",
        1,
        12,
        "malformed value \"12abc\"",
    );
    assert_error("p1 write x 1 @ 0..1x", 1, 19, "malformed time");
}

#[test]
fn decreasing_stamps_in_event_form() {
    assert_error(
        "p1 invoke write 1 @ 10\np1 ok write 1 @ 5\n",
        2,
        15,
        "time 5 is before the previous event's time 10",
    );
}

#[test]
fn invoke_with_a_result() {
    assert_error("p1 invoke read x 5\n", 1, 18, "an invoke has no result yet");
}

#[test]
fn errors_point_at_the_right_line_with_comments_and_crlf() {
    assert_error(
        "# comment\r\n\r\n%initial 0\r\np1 write x 1 @ 0..1\r\np2 read x @ 2..3\r\n",
        5,
        10,
        "a completed read",
    );
}

#[test]
fn crlf_tabs_and_bom_are_accepted() {
    let h =
        assert_ok("\u{feff}%initial 0\r\np1\twrite\tx 1\t@ 0..1\t# c\r\np2 read x 1 @ 2..3\r\n");
    assert_eq!(h.len(), 2);
    assert_eq!(h.ops()[0].source.line, 2);
}

#[test]
fn non_ascii_columns_count_characters() {
    // 'é' is two bytes but one column.
    assert_error("p1 write x \"é\" 1 @ 0..1", 1, 16, "found \"1\"");
}

#[test]
fn invalid_initial_option() {
    let opts = ParseOptions {
        initial: Some("[1".to_string()),
        ..ParseOptions::default()
    };
    let e = hist::parse("p1 read 1 @ 0..1", &opts).unwrap_err();
    assert!(e.message.contains("invalid initial value"), "{}", e.message);
}

#[test]
fn non_utf8_is_the_callers_job() {
    // The parser takes &str; a caller reading bytes must reject invalid
    // UTF-8 itself, as `String::from_utf8` does.
    let bytes: Vec<u8> = [&b"p1 write x "[..], &[0xff], &b" @ 0..1"[..]].concat();
    assert!(String::from_utf8(bytes).is_err());
}

fn rendered(input: &str) -> String {
    let e = hist::parse(input, &ParseOptions::default()).unwrap_err();
    render_parse_error(&e, input, "example.hist", false)
}

#[test]
fn snapshot_missing_value() {
    insta::assert_snapshot!(rendered(
        "%initial 0\np1 write x 1 @ 0..10\np1 write x @ 12..15\n"
    ));
}

#[test]
fn snapshot_unknown_kind() {
    insta::assert_snapshot!(rendered("p1 wirte x 1 @ 0..10\n"));
}

#[test]
fn snapshot_completed_read_without_result() {
    insta::assert_snapshot!(rendered("p1 write x 1 @ 0..10\np2 read x @ 3..12\n"));
}

#[test]
fn snapshot_overlap() {
    insta::assert_snapshot!(rendered(
        "p1 write x 1 @ 0..10\np1 read x 1 @ 5..12 # oops\n"
    ));
}

#[test]
fn unknown_model_is_a_parse_error() {
    assert_error(
        "%model registr\np1 write x 1 @ 0..1\n",
        1,
        8,
        "unknown data model",
    );
    assert_error("%model registr\n", 1, 8, "the models are register");
    let h = assert_ok("%model cas-register\np1 write x 1 @ 0..1\n");
    assert_eq!(h.metadata.model, Some(concord::Model::CasRegister));
    let jsonl = "{\"concord\":1,\"model\":\"queue-ish\"}\n";
    let err =
        concord::parse::jsonl::parse(jsonl, &ParseOptions::default()).expect_err("unknown model");
    assert!(
        err.message.contains("unknown data model"),
        "{}",
        err.message
    );
    assert_eq!(err.line, 1);
}
