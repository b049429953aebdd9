#!/usr/bin/env python3
"""Extract normalized azurerm resource schemas from an unpacked @cdktf/provider-azurerm package.

Usage:
    npm pack @cdktf/provider-azurerm@10.0.5          # azurerm 3.75.0
    mkdir p && tar -xzf cdktf-provider-azurerm-10.0.5.tgz -C p
    python3 extract-tf-schema.py p/package OUT_DIR \
        azurerm_firewall_policy_rule_collection_group azurerm_network_security_rule azurerm_route

writes OUT_DIR/azurerm-<provider version>/<resource>.json for each resource named.

Source: the package's jsii assembly (`package/.jsii`, JSON; `package/.jsii.gz` when jsii
compressed it). cdktf generates it from `terraform providers schema -json`, so it carries,
for each resource, a `<Resource>Config` interface (the resource's arguments) and one struct
per nested block. From each property:

  * Terraform name: the anchor of the "Docs at Terraform Registry" link in the property's
    docs (e.g. `...#destination_fqdns Resource#destination_fqdns`). cdktf camel-cases the
    property name; the anchor keeps the schema name as written.
  * block or attribute: cdktf documents blocks with the summary "<name> block.".
  * required: the property is not `optional` (for blocks: min_items >= 1).
  * max_items 1: the block's type is one struct, not a list (cdktf turns MaxItems == 1
    blocks into single objects). Other limits are not recorded by cdktf, so they are absent.

Only arguments are listed (computed-only attributes are not in the Config interface).
cdktf's meta-arguments (count, for_each, depends_on, lifecycle, provider, provisioner,
connection) come from cdktf.TerraformMetaArguments and are not listed either.
Standard library only.
"""
import gzip
import json
import os
import re
import sys

ASSEMBLY = "@cdktf/provider-azurerm"
LINK = re.compile(r"\{@link https://registry\.terraform\.io/providers/hashicorp/azurerm/[^/]+/docs/resources/[a-z0-9_]+#([A-Za-z0-9_]+) ")


def load_jsii(pkg):
    with open(os.path.join(pkg, ".jsii"), "rb") as f:
        doc = json.load(f)
    # jsii may write a redirect to a compressed assembly instead
    if doc.get("schema") == "jsii/file-redirect":
        with gzip.open(os.path.join(pkg, doc["filename"]), "rb") as f:
            doc = json.load(f)
    return doc


def resource_namespace(types, resource):
    """The jsii namespace (submodule) of the resource class for `resource`."""
    want = " " + resource + "}"
    hits = [
        t for t in types.values()
        if t.get("kind") == "class"
        and t.get("assembly") == ASSEMBLY
        and (t.get("docs", {}).get("summary") or "").startswith("Represents a {@link ")
        and "/docs/resources/" in t["docs"]["summary"]
        and t["docs"]["summary"].rstrip(".").endswith(want)
    ]
    if len(hits) != 1:
        sys.exit(f"{resource}: expected one resource class, found {[h['fqn'] for h in hits]}")
    return hits[0]["fqn"], hits[0]["namespace"], hits[0]["name"]


def tf_name(prop):
    docs = prop.get("docs", {})
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        m = LINK.search(text or "")
        if m:
            return m.group(1)
    sys.exit(f"no Terraform name in the docs of {prop['name']}: {docs}")


def is_block(prop):
    return (prop.get("docs", {}).get("summary") or "").endswith(" block.")


def block_struct(prop):
    """(struct fqn, single) of a block property."""
    t = prop["type"]
    if "fqn" in t:
        return t["fqn"], True
    for u in t.get("union", {}).get("types", []):
        coll = u.get("collection")
        if coll and "fqn" in coll.get("elementtype", {}):
            return coll["elementtype"]["fqn"], False
    sys.exit(f"block {prop['name']}: unexpected type {t}")


def struct(types, fqn):
    """Attributes, required names and blocks of one interface (its properties only)."""
    t = types[fqn]
    attrs, required, blocks = [], [], {}
    for p in t.get("properties", []):
        name = tf_name(p)
        if is_block(p):
            inner, single = block_struct(p)
            b = struct(types, inner)
            if not p.get("optional"):
                b["min_items"] = 1
                required.append(name)
            if single:
                b["max_items"] = 1
            blocks[name] = b
        else:
            attrs.append(name)
            if not p.get("optional"):
                required.append(name)
    return {
        "attributes": sorted(attrs),
        "required": sorted(required),
        "blocks": dict(sorted(blocks.items())),
    }


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    pkg, out, resources = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(os.path.join(pkg, "package.json")) as f:
        meta = json.load(f)
    pkg_version = meta["version"]
    provider_version = meta["cdktf"]["provider"]["version"]
    types = load_jsii(pkg)["types"]
    outdir = os.path.join(out, f"azurerm-{provider_version}")
    os.makedirs(outdir, exist_ok=True)
    for res in resources:
        cls_fqn, ns, cls = resource_namespace(types, res)
        config = f"{ASSEMBLY}.{ns}.{cls}Config"
        s = struct(types, config)
        doc = {
            "resource": res,
            "provider_version": provider_version,
            "source": f"npm {ASSEMBLY}@{pkg_version}, file .jsii (types {config} and its block structs)",
            "attributes": s["attributes"],
            "required": s["required"],
            "blocks": s["blocks"],
        }
        path = os.path.join(outdir, res + ".json")
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(path)


if __name__ == "__main__":
    main()
