//! Single copy: one node holds the only copy of every key and executes
//! requests one at a time, in arrival order. Other nodes, if any, forward
//! requests to it. This is the baseline every other model is compared with:
//! it is linearizable (Herlihy and Wing 1990) because each operation takes
//! effect at the instant node 0 handles it, inside its interval.

use super::Protocol;
use crate::sim::network::{Ctx, Message, NodeId, Reply, ReqOp, Request};

#[derive(Clone, Debug)]
pub enum Msg {
    /// A client request forwarded to the node holding the copy.
    Forward(Request),
}

impl Message for Msg {
    fn bytes(&self) -> usize {
        super::HEADER_BYTES + 16
    }
}

pub struct SingleCopy {
    store: Vec<Option<i64>>,
}

impl SingleCopy {
    pub fn new(keys: usize) -> SingleCopy {
        SingleCopy {
            store: vec![None; keys],
        }
    }

    fn execute(&mut self, ctx: &mut Ctx<Msg>, req: &Request) {
        let slot = &mut self.store[req.key as usize];
        let reply = match req.op {
            ReqOp::Read => Reply::Read(*slot),
            ReqOp::Write(v) => {
                *slot = Some(v);
                Reply::Written(v)
            }
        };
        ctx.reply(0, req, reply);
    }
}

impl Protocol for SingleCopy {
    type Msg = Msg;

    fn on_request(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        if node == 0 {
            self.execute(ctx, &req);
        } else {
            ctx.send(node, 0, Msg::Forward(req));
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, _from: NodeId, msg: Msg) {
        let Msg::Forward(req) = msg;
        if node == 0 {
            self.execute(ctx, &req);
        }
    }

    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>> {
        (node == 0).then(|| self.store.clone())
    }
}
