//! ARM template of the classic rule collections of an existing firewall.

use super::*;

//
// Classic rules are properties of the `azureFirewalls` resource itself, and ARM deploys a
// resource with PUT: every property the template leaves out is reset. A template holding only
// the rule collections would strip the firewall's IP configurations, DNS proxy settings, NAT
// rules and threat-intelligence mode. Asking for each of those as a parameter invites typos
// that silently reconfigure a production firewall. So the least surprising shape is one
// `existingFirewall` parameter: the firewall exactly as Azure returns it (`az resource show`),
// from which the template copies every property it does not own (ipConfigurations are then
// the firewall's own by construction), and it replaces only the network and application rule
// collections. A firewall managed by a Firewall Policy keeps its `firewallPolicy` reference,
// so Azure refuses the classic rules instead of the deployment detaching the policy.
// Tags cannot be copied: the template schema allows only a literal object there, so the header
// says the deployment may clear them and points at what-if.

pub(super) const CLASSIC_CARRIED: &[&str] = &[
    "sku",
    "threatIntelMode",
    "additionalProperties",
    "ipConfigurations",
    "managementIpConfiguration",
    "natRuleCollections",
    "firewallPolicy",
    "virtualHub",
    "hubIPAddresses",
    "autoscaleConfiguration",
];

pub(super) const CLASSIC_USAGE: &[&str] = &[
    "This ARM template updates an EXISTING Azure Firewall with classic rules (not a Firewall Policy). It REPLACES the firewall's network and application rule collections with the ones below: any other network or application collection on that firewall is deleted. Add collections you keep to this file first.",
    "Every other setting (IP configurations, SKU, DNS proxy and other additionalProperties, NAT rules, threat intelligence, zones) is copied from the existingFirewall parameter, which must be the firewall's current definition. Take it right before deploying:",
    "az resource show --resource-group <rg> --name <firewall> --resource-type Microsoft.Network/azureFirewalls --api-version 2024-05-01 > firewall.json",
    "Check with: az deployment group what-if --resource-group <rg> --template-file <this file> --parameters existingFirewall=@firewall.json (then deployment group create with the same arguments).",
    "Tags are NOT carried over (the ARM template schema accepts only literal tags), so the deployment may clear the firewall's tags: what-if shows it; re-apply them afterwards if so.",
    "A firewall that uses a Firewall Policy cannot take classic rules; use the azfw-policy-arm export for it.",
];

/// An expression copying `key` from the existing firewall, or omitting it when absent.
pub(super) fn carried(path: &str, key: &str) -> Value {
    json!(format!(
        "[if(contains({path}, '{key}'), {path}.{key}, json('null'))]"
    ))
}

pub(super) fn classic_network_rule(plan: &Plan, r: &NetworkRule) -> Value {
    let field = match r.field {
        DestField::Addresses => "destinationAddresses",
        DestField::Fqdns => "destinationFqdns",
    };
    let mut v = json!({
        "name": r.name,
        "description": r.description,
        "protocols": [r.protocol],
        "sourceAddresses": plan.sources,
        "destinationPorts": r.ports,
    });
    v[field] = json!(r.destinations);
    v
}

pub(super) fn classic_app_rule(plan: &Plan, r: &AppRule) -> Value {
    json!({
        "name": r.name,
        "description": r.description,
        "protocols": app_protocols_json(r),
        "sourceAddresses": plan.sources,
        "targetFqdns": [r.fqdn],
    })
}

pub(super) fn classic_collection(name: &str, priority: u32, rules: Vec<Value>) -> Vec<Value> {
    if rules.is_empty() {
        return Vec::new();
    }
    vec![json!({
        "name": name,
        "properties": {"priority": priority, "action": {"type": "Allow"}, "rules": rules},
    })]
}

pub(super) fn classic_properties(plan: &Plan) -> Value {
    let props = "parameters('existingFirewall').properties";
    let mut p = serde_json::Map::new();
    for key in CLASSIC_CARRIED {
        p.insert(key.to_string(), carried(props, key));
    }
    let (n, a) = (&plan.network, &plan.application);
    let net = n
        .rules
        .iter()
        .map(|r| classic_network_rule(plan, r))
        .collect();
    let app = a.rules.iter().map(|r| classic_app_rule(plan, r)).collect();
    p.insert(
        "networkRuleCollections".into(),
        arm::Data::new(json!(classic_collection(&n.name, n.priority, net))).into(),
    );
    p.insert(
        "applicationRuleCollections".into(),
        arm::Data::new(json!(classic_collection(&a.name, a.priority, app))).into(),
    );
    Value::Object(p)
}

pub(super) fn classic_arm(plan: &Plan) -> Value {
    let fw = "parameters('existingFirewall')";
    json!({
        "$schema": arm::SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": arm::Data::new(json!({"header": header_with(plan, CLASSIC_USAGE)})),
        "parameters": {
            "existingFirewall": arm::param("object", "The firewall's current definition, exactly as 'az resource show --resource-type Microsoft.Network/azureFirewalls' prints it. Everything but its network and application rule collections is deployed unchanged.", None),
            "firewallName": arm::param("string", "Leave unset: the name of existingFirewall.", Some(json!(format!("[{fw}.name]")))),
            "location": arm::param("string", "Leave unset: the location of existingFirewall.", Some(json!(format!("[{fw}.location]")))),
        },
        "resources": [{
            "type": "Microsoft.Network/azureFirewalls",
            "apiVersion": API_VERSION,
            "name": "[parameters('firewallName')]",
            "location": "[parameters('location')]",
            "zones": carried(fw, "zones"),
            "properties": classic_properties(plan),
        }],
    })
}
