//! Where the API, worker and migrations connect outside the shop, for their egress
//! NetworkPolicy: the external services the spec names (on their ports; at their address
//! when it is an IP, anywhere when it is a DNS name, which a NetworkPolicy cannot name),
//! the LLM endpoint and object store (their URL's port), the SMTP relay (whose address is
//! in a Secret the operator does not read: the usual mail ports), CloudNativePG's or
//! Strimzi's pods when they run Postgres or Kafka, and the spec's own rules.

use std::collections::BTreeMap;

use shopfleet_crds::EgressRule;

use super::cloudnative_pg::{self, CLUSTER_LABEL};
use crate::backing::kafka::{self, Kafka};
use crate::backing::{postgres, Server};
use crate::objects::network::Destination;
use crate::validate::ValidatedShop;

/// Submission and relay ports of SMTP servers.
const SMTP_PORTS: [i32; 3] = [25, 465, 587];

/// The address blocks of `host`: itself when it is an IP address, else any address.
fn blocks(host: &str) -> Vec<String> {
    match host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => vec![format!("{ip}/32")],
        Ok(std::net::IpAddr::V6(ip)) => vec![format!("{ip}/128")],
        Err(_) => vec!["0.0.0.0/0".to_owned(), "::/0".to_owned()],
    }
}

/// The destination of an HTTP(S) `url` (validated by the CRD's pattern), or of `fallback`.
fn of_url(url: Option<&str>, fallback: &str) -> Destination {
    let parsed = url::Url::parse(url.unwrap_or(fallback)).or_else(|_| url::Url::parse(fallback));
    let (host, port) = parsed
        .ok()
        .and_then(|u| Some((u.host_str()?.to_owned(), i32::from(u.port_or_known_default()?))))
        .unwrap_or_else(|| ("".to_owned(), 443));
    Destination { cidrs: blocks(&host), pods: None, ports: vec![port] }
}

/// The backups bucket, for the backup and restore Jobs (none with backups on a volume).
pub fn backup_destinations(shop: &ValidatedShop) -> Vec<Destination> {
    let backup = shop.postgres.backup.as_ref().and_then(|backup| backup.object_store.as_ref());
    let restore = shop.postgres.restore_from.as_ref().and_then(|restore| restore.object_store.as_ref());
    let mut wanted: Vec<Destination> = backup
        .into_iter()
        .chain(restore)
        .map(|store| of_url(store.endpoint.as_deref(), S3_DEFAULT))
        .collect();
    wanted.dedup();
    wanted
}

/// Where a bucket without an endpoint is: AWS S3.
const S3_DEFAULT: &str = "https://s3.amazonaws.com";

/// Every destination outside the shop its API, worker and migrations need.
pub fn destinations(shop: &ValidatedShop) -> Vec<Destination> {
    let mut wanted: Vec<Destination> = shop
        .backing()
        .iter()
        .flat_map(|backing| backing.external_endpoints())
        .map(|(host, port)| Destination { cidrs: blocks(&host), pods: None, ports: vec![port] })
        .collect();
    if let Server::CloudNativePg(..) = shop.postgres.server {
        let cluster = BTreeMap::from([(CLUSTER_LABEL.to_owned(), cloudnative_pg::cluster_name(shop))]);
        wanted.push(Destination { cidrs: vec![], pods: Some(cluster), ports: vec![postgres::PORT] });
    }
    if let Kafka::Strimzi(..) = shop.kafka {
        let cluster =
            BTreeMap::from([("strimzi.io/cluster".to_owned(), kafka::strimzi_cluster(&shop.owner))]);
        wanted.push(Destination { cidrs: vec![], pods: Some(cluster), ports: vec![kafka::PORT] });
    }
    if let Some(llm) = &shop.ai.llm {
        wanted.push(of_url(llm.base_url.as_deref(), "https://api.openai.com/v1"));
    }
    if let Some(store) = &shop.media.object_store {
        wanted.push(of_url(store.endpoint.as_deref(), S3_DEFAULT));
    }
    if shop.smtp.is_some() {
        wanted.push(Destination { cidrs: vec![], pods: None, ports: SMTP_PORTS.to_vec() });
    }
    wanted.extend(shop.network.egress.iter().map(|EgressRule { cidr, ports }| Destination {
        cidrs: vec![cidr.clone()],
        pods: None,
        ports: ports.iter().copied().map(i32::from).collect(),
    }));
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::Registry;
    use crate::validate::validate;
    use shopfleet_crds::{ShopInstance, ShopInstanceSpec};

    fn of(spec: &str) -> Vec<Destination> {
        let spec: ShopInstanceSpec = serde_yaml::from_str(spec).unwrap();
        destinations(&validate(&ShopInstance::new("demo", spec), &Registry::default()).unwrap())
    }

    fn to(cidrs: &[&str], ports: &[i32]) -> Destination {
        Destination {
            cidrs: cidrs.iter().map(|c| (*c).to_owned()).collect(),
            pods: None,
            ports: ports.to_vec(),
        }
    }

    #[test]
    fn an_embedded_shop_reaches_nothing_outside() {
        assert_eq!(of("{}"), vec![]);
    }

    #[test]
    fn external_services_are_reached_on_their_ports_at_their_address_when_it_is_known() {
        let spec = "{postgres: {mode: External, external: {host: 10.1.2.3, credentialsSecret: pg}},
                     redis: {mode: External, external: {host: cache.example.com, port: 6380, credentialsSecret: r}},
                     kafka: {mode: External, bootstrapServers: 'b1.example:9094,[fd00::1]:9092'},
                     ai: {llm: {apiKeySecret: {name: llm, key: k}, baseUrl: 'http://10.9.9.9:8080/v1'}},
                     media: {objectStore: {bucket: shop-media, credentialsSecret: s3}},
                     smtp: {urlSecret: {name: mail, key: url}},
                     network: {egress: [{cidr: 192.168.7.0/24, ports: [2525]}]}}";
        let any = ["0.0.0.0/0", "::/0"];
        assert_eq!(
            of(spec),
            vec![
                to(&["10.1.2.3/32"], &[5432]),
                to(&any, &[6380]),
                to(&any, &[9094]),
                to(&["fd00::1/128"], &[9092]),
                to(&["10.9.9.9/32"], &[8080]),
                to(&any, &[443]),
                to(&[], &[25, 465, 587]),
                to(&["192.168.7.0/24"], &[2525]),
            ]
        );
    }
}
