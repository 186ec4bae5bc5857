//! Changing a tenant's materials: creating one (or the tenant's override of a
//! default), editing one with `If-Match`, deactivating one. Every change runs in the
//! caller's tenant transaction, records price changes in the history and, when the
//! code's effective price changed, publishes `price.changed` to the tenant's
//! webhooks in the same transaction.

use poem::http::StatusCode;

use super::model::{check_material_shape, CreateMaterial, Material, UpdateMaterial};
use super::repo::{self, MaterialFields};
use crate::audit::Actor;
use crate::catalog::model::{MaterialCode, Source};
use crate::db::TenantTx;
use crate::error::{violated_constraint, ApiError, ApiResult};
use crate::http::{check_if_match, check_name};
use crate::ids::{MaterialId, UserId};
use crate::money::Money;
use crate::webhooks::{self, Event};

/// The unique constraint that keeps one row per tenant and code.
const CODE_TAKEN: &str = "materials_tenant_id_code_key";

/// 404 `material_not_found`, naming the code.
pub fn not_found(code: &str) -> ApiError {
    ApiError::not_found(
        "material_not_found",
        format!("no material with code {code}"),
    )
    .with_details(serde_json::json!({ "code": code }))
}

fn stale() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "version_mismatch",
        "the material changed since you read it; read it again and retry",
    )
}

/// Creates the tenant's material; a code of the default catalogue makes it the
/// tenant's override of it, which must keep the default's category.
pub async fn create(tx: &mut TenantTx, by: UserId, body: &CreateMaterial) -> ApiResult<Material> {
    let code = MaterialCode::parse_field("code", &body.code)?;
    check_material_shape(body.category, body.unit, body.bar_length_m)?;
    let global = repo::global_row(tx.conn(), code.as_str()).await?;
    if let Some(global) = global.as_ref().filter(|g| g.category != body.category) {
        return Err(ApiError::invalid_field(
            "category",
            format!(
                "{code} is a {} in the default catalogue",
                global.category.as_str()
            ),
        ));
    }
    let fields = MaterialFields {
        code: code.as_str(),
        name: check_name("name", &body.name)?,
        category: body.category,
        unit: body.unit,
        price: body.price,
        bar_length_m: body.bar_length_m,
        active: true,
    };
    let id = MaterialId::new_random();
    let before = effective_price(tx, &code).await?;
    let material = match repo::insert_own(tx, id, &fields, Some(by)).await {
        Ok(material) => material,
        Err(err) if violated_constraint(&err) == Some(CODE_TAKEN) => {
            return Err(ApiError::conflict(
                "material_exists",
                format!("this tenant already has a material {code}; change it with PATCH"),
            ));
        }
        Err(err) => return Err(err.into()),
    };
    let old = global.filter(|g| g.active).map(|g| g.price);
    repo::record_price(tx, id, code.as_str(), old, material.price, &Actor::user(by)).await?;
    announce(tx, &code, before, by).await?;
    Ok(material)
}

/// Changes a material; `If-Match` must carry the tag of the row being edited.
/// Editing an inherited default creates the tenant's own row.
pub async fn update(
    tx: &mut TenantTx,
    by: UserId,
    code: &MaterialCode,
    if_match: Option<&str>,
    body: &UpdateMaterial,
) -> ApiResult<Material> {
    if body.name.is_none()
        && body.price.is_none()
        && body.bar_length_m.is_none()
        && body.active.is_none()
    {
        return Err(ApiError::invalid_field(
            "body",
            "nothing to change: send name, price, bar_length_m or active",
        ));
    }
    let (id, base) = edited_row(tx, code, if_match).await?;
    let before = effective_price(tx, code).await?;
    let bar_length_m = body.bar_length_m.or(base.bar_length_m);
    check_material_shape(base.category, base.unit, bar_length_m)?;
    let fields = MaterialFields {
        code: code.as_str(),
        name: match body.name.as_deref() {
            Some(name) => check_name("name", name)?,
            None => &base.name,
        },
        category: base.category,
        unit: base.unit,
        price: body.price.unwrap_or(base.price),
        bar_length_m,
        active: body.active.unwrap_or(base.active),
    };
    let material = if base.source == Source::Global {
        // The tenant's first row of this code, or its inactive one brought back.
        let written = match repo::own_row_for_update(tx, code.as_str()).await? {
            Some(_) => repo::overwrite_own(tx, id, &fields, Some(by)).await,
            None => repo::insert_own(tx, id, &fields, Some(by)).await,
        };
        written.map_err(|err| match violated_constraint(&err) {
            Some(CODE_TAKEN) => stale(),
            _ => err.into(),
        })?
    } else {
        repo::overwrite_own(tx, id, &fields, Some(by)).await?
    };
    let actor = Actor::user(by);
    if base.active && !material.active {
        withdrawn(tx, id, &material, &actor).await?;
    } else if material.price != base.price
        || base.source == Source::Global
        || (material.active && !base.active)
    {
        let old = Some(base.price).filter(|_| base.active);
        repo::record_price(tx, id, code.as_str(), old, material.price, &actor).await?;
    }
    announce(tx, code, before, by).await?;
    Ok(material)
}

/// Records that the tenant's own price of a material was withdrawn, with the
/// default's price that applies again.
async fn withdrawn(
    tx: &mut TenantTx,
    id: MaterialId,
    own: &Material,
    actor: &Actor,
) -> ApiResult<()> {
    let default = repo::global_row(tx.conn(), &own.code)
        .await?
        .filter(|g| g.active)
        .map_or(own.price, |g| g.price);
    repo::record_withdrawal(tx, id, &own.code, own.price, default, actor).await?;
    Ok(())
}

/// Which row the caller is editing, locked: its own row if the tag names it, else
/// the inherited default (when its own row is absent or inactive). The id is the
/// tenant's row's, or a fresh one for a first override.
async fn edited_row(
    tx: &mut TenantTx,
    code: &MaterialCode,
    if_match: Option<&str>,
) -> ApiResult<(MaterialId, Material)> {
    let own = repo::own_row_for_update(tx, code.as_str()).await?;
    let global = repo::global_row(tx.conn(), code.as_str())
        .await?
        .filter(|g| g.active);
    match (own, global) {
        (Some((id, own)), global) => match global.filter(|_| !own.active) {
            Some(g) if check_if_match("material", if_match, &own.etag()).is_err() => {
                check_if_match("material", if_match, &g.etag())?;
                Ok((id, Material { active: true, ..g }))
            }
            _ => {
                check_if_match("material", if_match, &own.etag())?;
                Ok((id, own))
            }
        },
        (None, Some(g)) => {
            check_if_match("material", if_match, &g.etag())?;
            Ok((MaterialId::new_random(), g))
        }
        (None, None) => Err(not_found(code.as_str())),
    }
}

/// Deactivates the tenant's own active row of a code; the default applies again.
pub async fn deactivate(tx: &mut TenantTx, by: UserId, code: &MaterialCode) -> ApiResult<()> {
    let (id, own) = repo::own_row_for_update(tx, code.as_str())
        .await?
        .filter(|(_, m)| m.active)
        .ok_or_else(|| not_found(code.as_str()))?;
    let fields = MaterialFields {
        code: code.as_str(),
        name: &own.name,
        category: own.category,
        unit: own.unit,
        price: own.price,
        bar_length_m: own.bar_length_m,
        active: false,
    };
    repo::overwrite_own(tx, id, &fields, Some(by)).await?;
    withdrawn(tx, id, &own, &Actor::user(by)).await?;
    announce(tx, code, Some(own.price), by).await?;
    Ok(())
}

/// The code's effective price for the tenant: its own active row's, else the
/// active default's.
async fn effective_price(tx: &mut TenantTx, code: &MaterialCode) -> ApiResult<Option<Money>> {
    Ok(repo::effective_one(tx, code.as_str())
        .await?
        .map(|m| m.price))
}

/// Publishes `price.changed` when the code's effective price is no longer
/// `before`. A code left without any price publishes nothing: the event always
/// carries the new price.
async fn announce(
    tx: &mut TenantTx,
    code: &MaterialCode,
    before: Option<Money>,
    by: UserId,
) -> ApiResult<()> {
    let Some(after) = repo::effective_one(tx, code.as_str()).await? else {
        return Ok(());
    };
    if before == Some(after.price) {
        return Ok(());
    }
    let event = Event::PriceChanged {
        code: code.as_str().to_owned(),
        old: before,
        new: after.price,
        source: after.source,
        user_id: Some(by),
    };
    webhooks::publish(tx, event).await?;
    Ok(())
}
