//! CSV import of a tenant's catalogue: every row compared with what the tenant has
//! (its own row, else the default it inherits), all or nothing. A row equal to
//! what applies changes nothing, so re-importing an export changes nothing; other
//! rows create or update the tenant's own rows, and every price they move is one
//! batch (kind `import`) in the history, revertable like a bulk update.

pub mod repo;

use std::collections::HashMap;

use poem::http::StatusCode;
use poem_openapi::types::ToJSON;
use rust_decimal::Decimal;

use super::batch::{self, BatchItem, Changes};
use super::csv_file::{self, Problem, ProblemKind, Row};
use super::model::{BatchKind, ImportProblem, ImportReport};
use crate::catalog::materials::model::shape_problem;
use crate::catalog::{Category, Source, Unit};
use crate::db::TenantTx;
use crate::error::{violated_constraint, ApiError, ApiResult};
use crate::http::Nullable;
use crate::ids::{MaterialId, UserId};
use crate::money::{Metres, Money};
use repo::{Current, RowWrites};

/// The import's path, which takes `server.max_import_bytes` rather than the usual
/// body limit.
pub const PATH: &str = "/api/v1/materials/import";

/// The unique constraint a material created meanwhile by another request trips.
const CODE_TAKEN: &str = "materials_tenant_id_code_key";

/// A material's fields as the import leaves them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    name: String,
    category: Category,
    unit: Unit,
    price: Money,
    bar_length_m: Option<Metres>,
    active: bool,
}

/// What one row does.
#[derive(Debug)]
enum Action {
    Unchanged,
    Create(Target),
    Update(MaterialId, Target),
}

/// One row decided: what it does, and the price change it records, if any.
#[derive(Debug)]
struct Decided {
    code: String,
    action: Action,
    item: Option<BatchItem>,
}

fn problem(row: &Row, column: &str, value: &str, kind: ProblemKind) -> Problem {
    Problem {
        line: row.line,
        column: column.to_owned(),
        value: value.to_owned(),
        kind,
    }
}

fn money(d: Decimal) -> Money {
    // Columns are numeric(12, 2) >= 0: always a valid amount.
    Money::try_from_decimal(d).unwrap_or(Money::ZERO)
}

impl Current {
    fn target(&self) -> Target {
        Target {
            name: self.name.clone(),
            category: self.category,
            unit: self.unit,
            price: money(self.price),
            bar_length_m: self
                .bar_length_m
                .and_then(|b| Metres::try_from_decimal(b).ok()),
            active: self.active,
        }
    }
}

/// The row's target fields over `base` (what applies now, if anything).
fn target(row: &Row, base: Option<&Current>) -> Result<Target, Vec<Problem>> {
    let base = base.map(Current::target);
    let mut problems = Vec::new();
    let mut needed = |column: &'static str| {
        let code = row.code.to_string();
        let kind = ProblemKind::MissingForNew { code, column };
        problems.push(problem(row, column, "", kind));
    };
    let name = row
        .name
        .clone()
        .or_else(|| base.as_ref().map(|b| b.name.clone()));
    let category = row.category.or(base.as_ref().map(|b| b.category));
    let unit = row.unit.or(base.as_ref().map(|b| b.unit));
    if name.is_none() {
        needed("name");
    }
    if category.is_none() {
        needed("category");
    }
    if unit.is_none() {
        needed("unit");
    }
    let (Some(name), Some(category), Some(unit)) = (name, category, unit) else {
        return Err(problems);
    };
    let bar_length_m = match row.bar_length_m {
        Some(given) => given,
        None => base.as_ref().and_then(|b| b.bar_length_m),
    };
    if let Some(shape) = shape_problem(category, unit, bar_length_m) {
        let column = shape.field();
        let value = match column {
            "bar_length_m" => bar_length_m.map(|b| b.to_string()).unwrap_or_default(),
            _ => unit.as_str().to_owned(),
        };
        return Err(vec![problem(
            row,
            column,
            &value,
            ProblemKind::Shape(shape),
        )]);
    }
    Ok(Target {
        name,
        category,
        unit,
        price: row.price,
        bar_length_m,
        active: row.active.unwrap_or(true),
    })
}

/// What a row does given the tenant's own row and the default of its code.
fn decide(
    row: &Row,
    own: Option<&Current>,
    default: Option<&Current>,
) -> Result<Decided, Vec<Problem>> {
    let default_active = default.filter(|d| d.active);
    let own_active = own.filter(|o| o.active);
    let base = own_active.or(default_active).or(own);
    let given = row.category.or(base.map(|b| b.category));
    if let Some((d, given)) = default.zip(given).filter(|(d, given)| d.category != *given) {
        let kind = ProblemKind::CategoryMismatch {
            code: row.code.to_string(),
            default: d.category,
        };
        return Err(vec![problem(row, "category", given.as_str(), kind)]);
    }
    let change = Change {
        target: target(row, base)?,
        code: row.code.as_str(),
    };
    let (action, item) = match (own_active, default_active, own) {
        (Some(o), _, _) => change.own_row(o, default_active),
        (None, Some(d), own) => change.inherited(row, d, own)?,
        (None, None, Some(o)) => change.inactive_own_row(o),
        (None, None, None) => change.new_material(),
    };
    Ok(Decided {
        code: change.code.to_owned(),
        action,
        item,
    })
}

/// A row's target for one code, and the price changes it records.
struct Change<'a> {
    target: Target,
    code: &'a str,
}

impl Change<'_> {
    fn item(
        &self,
        old: Option<Money>,
        new: Money,
        source: Source,
        created_row: bool,
        withdrawn: bool,
    ) -> Option<BatchItem> {
        Some(BatchItem {
            code: self.code.to_owned(),
            name: self.target.name.clone(),
            old,
            new,
            source,
            created_row,
            withdrawn,
        })
    }

    fn update(&self, id: Option<MaterialId>) -> Action {
        Action::Update(
            id.unwrap_or_else(MaterialId::new_random),
            self.target.clone(),
        )
    }

    /// Over the tenant's own active row: a change, a new price, or a withdrawal.
    fn own_row(&self, own: &Current, default: Option<&Current>) -> (Action, Option<BatchItem>) {
        let current = own.target();
        let t = &self.target;
        if current == *t {
            return (Action::Unchanged, None);
        }
        let old = Some(current.price);
        let item = if !t.active {
            let new = default.map_or(current.price, |d| money(d.price));
            self.item(old, new, Source::Tenant, false, true)
        } else if current.price != t.price {
            self.item(old, t.price, Source::Tenant, false, false)
        } else {
            None
        };
        (self.update(own.id), item)
    }

    /// Over an inherited default: equal is unchanged; anything else makes it the
    /// tenant's own (a default cannot be deactivated).
    fn inherited(
        &self,
        row: &Row,
        default: &Current,
        own: Option<&Current>,
    ) -> Result<(Action, Option<BatchItem>), Vec<Problem>> {
        let t = &self.target;
        let inherited = Target {
            active: true,
            ..default.target()
        };
        if *t == inherited || (!t.active && own.is_some_and(|o| o.target() == *t)) {
            return Ok((Action::Unchanged, None));
        }
        if !t.active {
            let kind = ProblemKind::InheritedCannotDeactivate {
                code: row.code.to_string(),
            };
            return Err(vec![problem(row, "active", "false", kind)]);
        }
        let item = self.item(
            Some(money(default.price)),
            t.price,
            Source::Global,
            true,
            false,
        );
        let action = match own {
            Some(o) => self.update(o.id),
            None => Action::Create(t.clone()),
        };
        Ok((action, item))
    }

    /// Over the tenant's inactive row with no default behind it.
    fn inactive_own_row(&self, own: &Current) -> (Action, Option<BatchItem>) {
        let t = &self.target;
        if own.target() == *t {
            (Action::Unchanged, None)
        } else if t.active {
            let item = self.item(None, t.price, Source::Tenant, true, false);
            (self.update(own.id), item)
        } else {
            (self.update(own.id), None)
        }
    }

    /// A material the tenant does not have.
    fn new_material(&self) -> (Action, Option<BatchItem>) {
        let t = &self.target;
        let item = if t.active {
            self.item(None, t.price, Source::Tenant, true, false)
        } else {
            None
        };
        (Action::Create(t.clone()), item)
    }
}

/// The rows to write, and the report's lists.
#[derive(Default)]
struct Plan {
    inserts: RowWrites,
    updates: RowWrites,
    items: Vec<(MaterialId, BatchItem)>,
    created: Vec<String>,
    updated: Vec<String>,
    unchanged: Vec<String>,
}

fn push(rows: &mut RowWrites, id: MaterialId, code: &str, t: &Target) {
    rows.ids.push(id);
    rows.codes.push(code.to_owned());
    rows.names.push(t.name.clone());
    rows.categories.push(t.category.as_str());
    rows.units.push(t.unit.as_str());
    rows.prices.push(t.price.amount());
    rows.bar_lengths.push(t.bar_length_m.map(Metres::amount));
    rows.active.push(t.active);
}

impl Plan {
    fn add(&mut self, decided: Decided) {
        let id = match &decided.action {
            Action::Unchanged => {
                self.unchanged.push(decided.code);
                return;
            }
            Action::Create(t) => {
                let id = MaterialId::new_random();
                push(&mut self.inserts, id, &decided.code, t);
                self.created.push(decided.code.clone());
                id
            }
            Action::Update(id, t) => {
                push(&mut self.updates, *id, &decided.code, t);
                self.updated.push(decided.code.clone());
                *id
            }
        };
        if let Some(item) = decided.item {
            self.items.push((id, item));
        }
    }
}

/// Every problem of a refused import, sorted by line: the cause of its
/// `invalid_csv` error (`ApiError::cause`), for pages that word them.
#[derive(Debug, Clone)]
pub struct Problems(pub Vec<Problem>);

/// 422 `invalid_csv` with every problem, sorted by line, and nothing written.
fn invalid(mut problems: Vec<Problem>, dry_run: bool) -> ApiError {
    problems.sort_by_key(|p| p.line);
    let report = ImportReport {
        dry_run,
        created: Vec::new(),
        updated: Vec::new(),
        unchanged: Vec::new(),
        problems: problems.iter().cloned().map(ImportProblem::from).collect(),
        batch_id: Nullable(None),
    };
    let message = format!(
        "{} problem(s) in the file; nothing was written (details.problems lists them all)",
        report.problems.len()
    );
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_csv", message)
        .with_details(ToJSON::to_json(&report).unwrap_or_default())
        .with_cause(Problems(problems))
}

/// Checks every row of `data` against the tenant's catalogue and, unless
/// `dry_run`, writes them all in `tx`: all or nothing.
pub async fn run(
    tx: &mut TenantTx,
    by: UserId,
    data: &[u8],
    dry_run: bool,
) -> ApiResult<ImportReport> {
    let rows = csv_file::read(data).map_err(|p| invalid(p, dry_run))?;
    super::repo::allow_long_statements(tx).await?;
    let codes: Vec<String> = rows.iter().map(|r| r.code.as_str().to_owned()).collect();
    let (own, defaults) = repo::import_state(tx, &codes).await?;
    let own: HashMap<&str, &Current> = own.iter().map(|c| (c.code.as_str(), c)).collect();
    let defaults: HashMap<&str, &Current> = defaults.iter().map(|c| (c.code.as_str(), c)).collect();
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    for row in &rows {
        let code = row.code.as_str();
        match decide(row, own.get(code).copied(), defaults.get(code).copied()) {
            Ok(decided) => plan.add(decided),
            Err(mut found) => problems.append(&mut found),
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems, dry_run));
    }
    let mut batch_id = None;
    if !dry_run {
        batch_id = write(tx, by, &mut plan).await?;
    }
    Ok(ImportReport {
        dry_run,
        created: plan.created,
        updated: plan.updated,
        unchanged: plan.unchanged,
        problems: Vec::new(),
        batch_id: Nullable(batch_id),
    })
}

/// Writes the plan's rows and records its price changes as one batch.
async fn write(
    tx: &mut TenantTx,
    by: UserId,
    plan: &mut Plan,
) -> ApiResult<Option<crate::ids::BatchId>> {
    let changed = || {
        ApiError::conflict(
            "catalog_changed",
            "the catalogue changed during the import; import the file again",
        )
    };
    let inserted = match repo::insert_rows(tx, &plan.inserts, Some(by)).await {
        Err(err) if violated_constraint(&err) == Some(CODE_TAKEN) => return Err(changed()),
        other => other?,
    };
    let updated = repo::update_rows(tx, &plan.updates, Some(by)).await?;
    if inserted != plan.inserts.ids.len() as u64 || updated != plan.updates.ids.len() as u64 {
        return Err(changed());
    }
    if plan.items.is_empty() {
        return Ok(None);
    }
    plan.items.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    let changes = Changes {
        kind: BatchKind::Import,
        items: std::mem::take(&mut plan.items),
        reverts: None,
    };
    Ok(Some(batch::record(tx, by, changes).await?.id))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
