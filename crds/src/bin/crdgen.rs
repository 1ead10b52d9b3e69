//! Prints the ShopInstance CRD as YAML:
//! `cargo run -p shopfleet-crds --bin crdgen > crds/shopinstances.shopfleet.dev.yaml`.

fn main() {
    print!("{}", shopfleet_crds::crd_yaml());
}
