//! The ARM checks used by the exporter tests must themselves catch mistakes.
mod common;
use serde_json::json;

fn nsg_template(protocol: &str, extra: Option<(&str, serde_json::Value)>) -> serde_json::Value {
    let mut props = json!({
        "protocol": protocol, "access": "Allow", "direction": "Inbound", "priority": 100,
        "sourceAddressPrefix": "BatchNodeManagement", "sourcePortRange": "*",
        "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "29876-29877"
    });
    if let Some((k, v)) = extra {
        props[k] = v;
    }
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
            "name": "nsg", "location": "eastus2",
            "properties": { "securityRules": [{ "name": "r1", "properties": props }] }
        }]
    })
}

#[test]
fn a_valid_nsg_template_passes() {
    let t = nsg_template("Tcp", None);
    common::arm_validate(&t).unwrap();
    assert!(common::arm_unknown_properties(&t).is_empty());
}

#[test]
fn a_wrong_enum_value_fails_with_a_useful_path() {
    let e = common::arm_validate(&nsg_template("TCP", None)).unwrap_err();
    assert!(e.contains("protocol") || e.contains("TCP"), "{e}");
}

#[test]
fn a_misspelt_property_is_caught_by_the_name_check() {
    let t = nsg_template("Tcp", Some(("destinationPortRnage", json!("443"))));
    let unknown = common::arm_unknown_properties(&t);
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(unknown[0].ends_with("destinationPortRnage"));
}
