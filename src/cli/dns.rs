//! `amlfw dns`: the private DNS zones, conditional forwarders and name shapes for the
//! selection's cloud. Unlike the other commands the region is optional: the zones are per
//! cloud, and the region only fills the names.

use super::args::{DnsFormat, Selection};
use super::{build_profile, stdout_write, CliError, Fallback};
use amlfw::catalog::Catalog;
use amlfw::dns::{self, DnsData, DnsQuery};

pub fn run(
    sel: &Selection,
    format: DnsFormat,
    workspace_only: bool,
    catalog: &Catalog,
) -> Result<(), CliError> {
    // With no region and no profile, validate the rest of the selection against any region
    // of the cloud (build_profile needs one), then forget it: the names keep <region>.
    let no_region = sel.region.is_none() && sel.profile.is_none() && sel.profile_file.is_none();
    let profile = if no_region {
        let cloud = sel.cloud.unwrap_or(amlfw::Cloud::Public);
        let any = catalog.regions_of(cloud).next().ok_or_else(|| {
            CliError::failure(format!("no region of {} in the catalog", cloud.id()))
        })?;
        let mut s = sel.clone();
        s.region = Some(any.name.clone());
        build_profile(&s, catalog, Fallback::RequireRegion)?
    } else {
        build_profile(sel, catalog, Fallback::RequireRegion)?
    };
    let data = DnsData::builtin();
    let query = DnsQuery {
        cloud: profile.cloud,
        region: (!no_region).then_some(profile.region.as_str()),
        workspace_id: profile.workspace_id.as_deref(),
        dependencies: !workspace_only,
        name_prefix: profile.name_prefix(),
    };
    let plan = dns::plan(&data, &query);
    let format = match format {
        DnsFormat::Table => dns::DnsFormat::Table,
        DnsFormat::Markdown => dns::DnsFormat::Markdown,
        DnsFormat::Json => dns::DnsFormat::Json,
        DnsFormat::Terraform => dns::DnsFormat::Terraform,
        DnsFormat::Bicep => dns::DnsFormat::Bicep,
    };
    stdout_write(&dns::render(&plan, format))
}
