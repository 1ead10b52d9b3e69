//! Building blocks of the objects a shop consists of: names, labels and metadata, hardened
//! pods, the StatefulSets of data services, volume claims, networking, scaling,
//! generated Secrets and the CA certificates of external servers.
//! Each is a pure function of its inputs; `crate::desired` puts them together.

pub mod claims;
pub mod data;
pub mod meta;
pub mod network;
pub mod pod;
pub mod scaling;
pub mod secrets;
pub mod tls;
