//! Declarative seed data in `tenants/`: the global default catalogue
//! (`global.toml`) and tenant manifests (`<slug>.toml`), synced idempotently.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

use super::api::{onboard, CreateTenant, NewAdmin};
use crate::audit::Actor;
use crate::auth::password::Passwords;
use crate::catalog::colours::repo as colours;
use crate::catalog::labour::repo as labour;
use crate::catalog::materials::model::check_material_shape;
use crate::catalog::materials::repo::{self as catalog, MaterialFields};
use crate::catalog::model::{Category, MaterialCode, Source, Unit, WindowType};
use crate::catalog::products::model::ProductSpec;
use crate::catalog::products::repo as products;
use crate::catalog::taxes::repo as taxes;
use crate::db::{Db, TenantTx};
use crate::ids::{TenantId, UserId};
use crate::money::{Factor, Metres, Money, Rate};
use crate::users::model::{normalize_email, TenantRole};

/// `tenants/global.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalCatalogue {
    pub materials: Vec<SeedMaterial>,
    #[serde(default)]
    pub colours: Vec<SeedColour>,
    #[serde(default)]
    pub colour_prices: Vec<SeedColourPrice>,
    /// Labour per m² by window type.
    #[serde(default)]
    pub labour: BTreeMap<WindowType, SeedLabour>,
    #[serde(default)]
    pub products: Vec<ProductSpec>,
    #[serde(default)]
    pub tax_rates: Vec<SeedTaxRate>,
}

/// A tax rate in force from a date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTaxRate {
    pub code: String,
    pub name: String,
    pub rate: Rate,
    pub valid_from: chrono::NaiveDate,
}

/// A colour (finish).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedColour {
    pub code: String,
    pub name: String,
}

/// The price of a material in a colour.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedColourPrice {
    pub material: MaterialCode,
    pub colour: String,
    pub price: Money,
}

/// A labour rate: `rate` per m² times `complexity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLabour {
    pub rate: Money,
    pub complexity: Factor,
}

/// One material of the global catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMaterial {
    pub code: MaterialCode,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub price: Money,
    pub bar_length_m: Option<Metres>,
}

/// `tenants/<slug>.toml`: a tenant to create if missing, its users and its prices.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantManifest {
    pub slug: String,
    pub name: String,
    pub admin: ManifestUser,
    #[serde(default)]
    pub users: Vec<ManifestUser>,
    /// Tenant prices by code (overrides of the defaults).
    #[serde(default)]
    pub prices: BTreeMap<String, Money>,
}

/// A user in a manifest; the password applies only when the user is created.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestUser {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub role: Option<TenantRole>,
}

/// What a sync did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub materials: usize,
    pub tenants_created: usize,
    pub users_created: usize,
    pub prices_set: usize,
}

/// Reads and checks `global.toml`.
pub fn read_global(dir: &Path) -> anyhow::Result<GlobalCatalogue> {
    let path = dir.join("global.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let catalogue: GlobalCatalogue =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let fail = |what: String| anyhow::anyhow!("{}: {what}", path.display());
    for m in &catalogue.materials {
        check_material_shape(m.category, m.unit, m.bar_length_m)
            .map_err(|e| fail(format!("material {}: {e}", m.code)))?;
    }
    let material = |code: &str| catalogue.materials.iter().find(|m| m.code.as_str() == code);
    let colours: Vec<&str> = catalogue.colours.iter().map(|c| c.code.as_str()).collect();
    for cp in &catalogue.colour_prices {
        if material(cp.material.as_str()).is_none() || !colours.contains(&cp.colour.as_str()) {
            return Err(fail(format!(
                "colour price {} / {}: unknown material or colour",
                cp.material, cp.colour
            )));
        }
    }
    for p in &catalogue.products {
        p.check()
            .map_err(|e| fail(format!("product {}: {e:?}", p.code)))?;
        for line in &p.bom {
            match material(&line.material) {
                Some(m) if m.category == line.kind => {}
                _ => {
                    return Err(fail(format!(
                        "product {}: BOM material {} is unknown or not a {}",
                        p.code,
                        line.material,
                        line.kind.as_str()
                    )))
                }
            }
        }
    }
    Ok(catalogue)
}

/// Reads every `<slug>.toml` manifest (all files but `global.toml`), by file name.
pub fn read_manifests(dir: &Path) -> anyhow::Result<Vec<TenantManifest>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && p.file_name().is_some_and(|n| n != "global.toml")
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
        })
        .collect()
}

/// Upserts the global catalogue in one transaction (platform role).
pub async fn sync_global(db: &Db, catalogue: &GlobalCatalogue) -> anyhow::Result<usize> {
    let mut tx = db.platform.begin().await?;
    for m in &catalogue.materials {
        let fields = MaterialFields {
            code: m.code.as_str(),
            name: &m.name,
            category: m.category,
            unit: m.unit,
            price: m.price,
            bar_length_m: m.bar_length_m,
            active: true,
        };
        catalog::upsert_global(tx.conn(), &fields, &Actor::seed("global.toml"))
            .await
            .with_context(|| format!("upserting {}", m.code))?;
    }
    for c in &catalogue.colours {
        colours::upsert_global_colour(tx.conn(), &c.code, &c.name)
            .await
            .with_context(|| format!("colour {}", c.code))?;
    }
    for cp in &catalogue.colour_prices {
        colours::upsert_global_colour_price(
            tx.conn(),
            cp.material.as_str(),
            &cp.colour,
            cp.price.amount(),
        )
        .await
        .with_context(|| format!("colour price {} / {}", cp.material, cp.colour))?;
    }
    for (window_type, l) in &catalogue.labour {
        labour::upsert_global_labour(
            tx.conn(),
            *window_type,
            l.rate.amount(),
            l.complexity.amount(),
        )
        .await
        .with_context(|| format!("labour rate {}", window_type.as_str()))?;
    }
    for p in &catalogue.products {
        products::upsert_global_product(tx.conn(), p)
            .await
            .with_context(|| format!("product {}", p.code))?;
    }
    for t in &catalogue.tax_rates {
        taxes::upsert_global_tax_rate(tx.conn(), &t.code, t.valid_from, &t.name, t.rate.amount())
            .await
            .with_context(|| format!("tax rate {} from {}", t.code, t.valid_from))?;
    }
    tx.commit().await?;
    Ok(catalogue.materials.len())
}

/// Applies one manifest: creates the tenant (with its admin) if missing, creates
/// missing users, and sets the listed prices. Re-running changes nothing.
pub async fn sync_manifest(
    db: &Db,
    passwords: &Passwords,
    manifest: &TenantManifest,
    report: &mut SyncReport,
) -> anyhow::Result<()> {
    let context = || format!("tenant manifest {:?}", manifest.slug);
    let tenant = match super::repo::find_by_slug(&db.platform, &manifest.slug).await? {
        Some(tenant) => tenant.id,
        None => {
            let request = CreateTenant {
                slug: manifest.slug.clone(),
                name: manifest.name.clone(),
                admin: NewAdmin {
                    email: manifest.admin.email.clone(),
                    password: manifest.admin.password.clone(),
                },
            };
            let created = onboard(db, passwords, &request)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(context)?;
            report.tenants_created += 1;
            created.id
        }
    };

    for user in &manifest.users {
        let email = normalize_email(&user.email)
            .map_err(anyhow::Error::msg)
            .with_context(context)?;
        let mut tx = TenantTx::begin(&db.platform, tenant).await?;
        if crate::auth::repo::find_login(&mut tx, &email)
            .await?
            .is_none()
        {
            let hash = passwords.hash(user.password.clone()).await?;
            let role = user.role.unwrap_or(TenantRole::Viewer);
            crate::users::repo::insert(&mut tx, UserId::new_random(), &email, &hash, role).await?;
            report.users_created += 1;
        }
        tx.commit().await?;
    }

    set_prices(db, tenant, manifest, report).await
}

/// Sets the manifest's prices as the tenant's own rows, recording each change.
async fn set_prices(
    db: &Db,
    tenant: TenantId,
    manifest: &TenantManifest,
    report: &mut SyncReport,
) -> anyhow::Result<()> {
    let context = || format!("tenant manifest {:?}", manifest.slug);
    let seed_actor = Actor::seed(&format!("{}.toml", manifest.slug));
    let mut tx = TenantTx::begin(&db.platform, tenant).await?;
    for (code, price) in &manifest.prices {
        let code = MaterialCode::parse(code)
            .map_err(anyhow::Error::msg)
            .with_context(context)?;
        let own = catalog::own_row_for_update(&mut tx, code.as_str()).await?;
        let base = match own {
            Some((_, m)) if m.active && m.price == *price => continue,
            Some((id, m)) => (id, m),
            None => {
                let global = catalog::global_row(tx.conn(), code.as_str())
                    .await?
                    .with_context(|| format!("{}: price for unknown code {code}", context()))?;
                (crate::ids::MaterialId::new_random(), global)
            }
        };
        let (id, m) = base;
        let fields = MaterialFields {
            code: code.as_str(),
            name: &m.name,
            category: m.category,
            unit: m.unit,
            price: *price,
            bar_length_m: m.bar_length_m,
            active: true,
        };
        if m.source == Source::Tenant {
            catalog::overwrite_own(&mut tx, id, &fields, None).await?;
        } else {
            catalog::insert_own(&mut tx, id, &fields, None).await?;
        }
        catalog::record_price(
            &mut tx,
            id,
            code.as_str(),
            Some(m.price),
            *price,
            &seed_actor,
        )
        .await?;
        report.prices_set += 1;
    }
    tx.commit().await?;
    Ok(())
}

/// Syncs the global catalogue and every manifest in `dir`.
pub async fn sync_all(db: &Db, passwords: &Passwords, dir: &Path) -> anyhow::Result<SyncReport> {
    let catalogue = read_global(dir)?;
    let manifests = read_manifests(dir)?;
    let mut report = SyncReport {
        materials: sync_global(db, &catalogue).await?,
        ..SyncReport::default()
    };
    for manifest in &manifests {
        sync_manifest(db, passwords, manifest, &mut report).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tenants")
    }

    #[test]
    fn the_shipped_default_products_pass_the_checks_a_tenants_product_would() {
        let catalogue = read_global(&dir()).expect("global.toml parses");
        assert_eq!(catalogue.products.len(), 3);
        for p in &catalogue.products {
            p.check().unwrap_or_else(|e| panic!("{}: {e:?}", p.code));
        }
    }

    #[test]
    fn the_shipped_global_catalogue_has_every_seed_material_and_the_seven_glass_prices() {
        let catalogue = read_global(&dir()).expect("global.toml parses");
        assert_eq!(catalogue.materials.len(), 25);
        let glass: Vec<(String, String)> = catalogue
            .materials
            .iter()
            .filter(|m| m.category == Category::Glass)
            .map(|m| (m.code.to_string(), m.price.to_string()))
            .collect();
        let expected = [
            ("VID-CLARO-4", "85.00"),
            ("VID-CLARO-6", "120.00"),
            ("VID-BRONCE-4", "95.00"),
            ("VID-BRONCE-6", "135.00"),
            ("VID-REFLECTIVO-6", "180.00"),
            ("VID-LAMINADO-6", "220.00"),
            ("VID-TEMPLADO-6", "195.00"),
        ];
        assert_eq!(
            glass,
            expected.map(|(c, p)| (c.to_owned(), p.to_owned())).to_vec()
        );
    }

    #[test]
    fn the_demo_manifest_parses() {
        let manifests = read_manifests(&dir()).expect("manifests parse");
        let demo = manifests
            .iter()
            .find(|m| m.slug == "demo")
            .expect("demo manifest");
        assert_eq!(
            demo.prices
                .get("VID-TEMPLADO-6")
                .map(ToString::to_string)
                .as_deref(),
            Some("280.00")
        );
    }
}
