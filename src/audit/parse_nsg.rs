//! NSG security rules and routes, in the shapes `parse` reads (properties nested or flat).

use super::parse::{
    addresses, array, bad_address, net_proto, ports, priority, required, Ctx, ParseError,
};
use super::{Action, NsgDirection, NsgRule, Route};
use serde_json::Value;

pub(super) fn nsg_rule(
    ctx: &Ctx,
    p: &Value,
    path: &str,
    nsg: &str,
    name: &str,
) -> Result<NsgRule, ParseError> {
    let direction = match required(ctx, p, "direction", path)?
        .to_ascii_lowercase()
        .as_str()
    {
        "inbound" => NsgDirection::Inbound,
        "outbound" => NsgDirection::Outbound,
        other => {
            return Err(ctx.err(
                &format!("{path}.direction"),
                format!("expected Inbound or Outbound, got '{other}'"),
            ))
        }
    };
    let access = required(ctx, p, "access", path)?;
    let action = match access.to_ascii_lowercase().as_str() {
        "allow" => Action::Allow,
        "deny" => Action::Deny,
        _ => {
            return Err(ctx.err(
                &format!("{path}.access"),
                format!("expected Allow or Deny, got '{access}'"),
            ))
        }
    };
    let protocol = net_proto(
        ctx,
        &required(ctx, p, "protocol", path)?,
        &format!("{path}.protocol"),
    )?;
    let mut sources = addresses(ctx, p, "sourceAddressPrefix", path)?;
    sources.extend(addresses(ctx, p, "sourceAddressPrefixes", path)?);
    if !array(p, "sourceApplicationSecurityGroups").is_empty() {
        sources.push(super::matching::ASG.to_string());
    }
    let mut destinations = addresses(ctx, p, "destinationAddressPrefix", path)?;
    destinations.extend(addresses(ctx, p, "destinationAddressPrefixes", path)?);
    if !array(p, "destinationApplicationSecurityGroups").is_empty() {
        destinations.push(super::matching::ASG.to_string());
    }
    Ok(NsgRule {
        origin: ctx.origin(nsg, name),
        priority: priority(ctx, p, "priority", path)?,
        direction,
        action,
        protocol,
        sources,
        destinations,
        ports: ports(
            ctx,
            p,
            &["destinationPortRange", "destinationPortRanges"],
            path,
        )?,
        default: false,
    })
}

pub(super) fn route(
    ctx: &Ctx,
    p: &Value,
    path: &str,
    table: &str,
    name: &str,
) -> Result<Route, ParseError> {
    Ok(Route {
        origin: ctx.origin(table, name),
        prefix: {
            let prefix = required(ctx, p, "addressPrefix", path)?;
            if bad_address(&prefix) {
                return Err(ctx.err(
                    &format!("{path}.addressPrefix"),
                    format!("'{prefix}' is not a CIDR, an IP address or a service tag"),
                ));
            }
            prefix
        },
        next_hop: required(ctx, p, "nextHopType", path)?,
    })
}
