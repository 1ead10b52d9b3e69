//! Deciding `Auto` modes: `spec.postgres.mode: Auto` becomes CloudNativePG and
//! `spec.kafka.mode: Auto` becomes Strimzi when the operator manages that operator's
//! resources (`--cloudnative-pg`, `--strimzi`), else Embedded. The decision is made once:
//! a shop that already has its CloudNativePG Cluster or Strimzi Kafka keeps it, and one that
//! already has its embedded StatefulSet keeps that, whatever is installed later, so
//! installing CloudNativePG never moves a live shop's data.

use shopfleet_crds::{KafkaMode, PostgresMode, ShopInstance};

use crate::children::Kind;
use crate::objects::meta::Owner;
use crate::observe::Observed;

/// What this operator can delegate to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Delegates {
    pub cloudnative_pg: bool,
    pub strimzi: bool,
}

/// The mode `Auto` stands for, given what the shop already has.
fn decided(observed: &Observed, delegated: (Kind, &str), embedded: &str, available: bool) -> bool {
    if observed.get(delegated.0, delegated.1).is_some() {
        return true;
    }
    observed.get(Kind::StatefulSet, embedded).is_none() && available
}

/// `shop` with its `Auto` modes replaced by what they stand for.
pub fn decide(shop: &ShopInstance, observed: &Observed, delegates: Delegates) -> ShopInstance {
    let owner = Owner::of(shop);
    let mut shop = shop.clone();
    let (postgres, kafka) = (owner.child_name("postgres"), owner.child_name("kafka"));
    if shop.spec.postgres.mode == PostgresMode::Auto {
        let cnpg = decided(observed, (Kind::CnpgCluster, &postgres), &postgres, delegates.cloudnative_pg);
        shop.spec.postgres.mode = if cnpg { PostgresMode::CloudNativePg } else { PostgresMode::Embedded };
        if !cnpg {
            shop.spec.postgres.cloud_native_pg = None;
        }
    }
    if shop.spec.kafka.mode == KafkaMode::Auto {
        let strimzi = decided(observed, (Kind::StrimziKafka, &kafka), &kafka, delegates.strimzi);
        shop.spec.kafka.mode = if strimzi { KafkaMode::Strimzi } else { KafkaMode::Embedded };
        if !strimzi {
            shop.spec.kafka.strimzi = None;
        }
    }
    shop
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::fixtures::shop;
    use kube::api::DynamicObject;

    fn named(kind: Kind, name: &str) -> (Kind, DynamicObject) {
        let object = serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap();
        (kind, object)
    }

    fn modes(observed: &Observed, delegates: Delegates) -> (PostgresMode, KafkaMode) {
        let auto =
            shop("demo", "{postgres: {mode: Auto, cloudNativePG: {instances: 2}}, kafka: {mode: Auto}}");
        let decided = decide(&auto, observed, delegates);
        (decided.spec.postgres.mode, decided.spec.kafka.mode)
    }

    #[test]
    fn a_new_shop_uses_what_the_operator_can_delegate_to() {
        let both = Delegates { cloudnative_pg: true, strimzi: true };
        assert_eq!(modes(&Observed::default(), both), (PostgresMode::CloudNativePg, KafkaMode::Strimzi));
        let neither = Delegates::default();
        assert_eq!(modes(&Observed::default(), neither), (PostgresMode::Embedded, KafkaMode::Embedded));
        let decided = decide(
            &shop("demo", "{postgres: {mode: Auto, cloudNativePG: {instances: 2}}}"),
            &Observed::default(),
            neither,
        );
        assert_eq!(
            decided.spec.postgres.cloud_native_pg, None,
            "an embedded Postgres has no CloudNativePG settings"
        );
    }

    #[test]
    fn a_shop_keeps_what_it_has_whatever_is_installed_later() {
        let embedded = Observed::from_objects([
            named(Kind::StatefulSet, "demo-postgres"),
            named(Kind::StatefulSet, "demo-kafka"),
        ]);
        let both = Delegates { cloudnative_pg: true, strimzi: true };
        assert_eq!(modes(&embedded, both), (PostgresMode::Embedded, KafkaMode::Embedded));
        let delegated = Observed::from_objects([
            named(Kind::CnpgCluster, "demo-postgres"),
            named(Kind::StrimziKafka, "demo-kafka"),
        ]);
        assert_eq!(
            modes(&delegated, Delegates::default()),
            (PostgresMode::CloudNativePg, KafkaMode::Strimzi)
        );
    }

    #[test]
    fn explicit_modes_are_left_alone() {
        let explicit = shop("demo", "{postgres: {mode: Embedded}, kafka: {mode: Disabled}}");
        let decided =
            decide(&explicit, &Observed::default(), Delegates { cloudnative_pg: true, strimzi: true });
        assert_eq!(
            (decided.spec.postgres.mode, decided.spec.kafka.mode),
            (PostgresMode::Embedded, KafkaMode::Disabled)
        );
    }
}
