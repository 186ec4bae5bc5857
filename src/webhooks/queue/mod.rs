//! The delivery queue (`webhook_queue`): which deliveries are due, and the leases
//! workers hold on them while they send (see `worker`).

pub(super) mod repo;
