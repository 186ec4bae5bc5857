//! The Cotizar page's data: the form's rows and choices, the draft being edited,
//! the inline new client, and the results block (priced items, loose materials,
//! totals, or what is wrong).

use askama::Template;

use super::edit;
use super::form::{Problem, Row};
use super::materials::{self, MaterialRow};
use super::terms::{self, Terms};
use crate::catalog::Category;
use crate::pricing::Catalog;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, Layout, SignedIn};

/// A (code, name) choice of a select.
pub struct Choice {
    pub code: String,
    pub name: String,
}

/// One priced item as shown, amounts already formatted.
pub struct ItemLine {
    pub row: String,
    pub name: String,
    pub size: String,
    pub quantity: String,
    pub profiles: String,
    pub glass: String,
    pub hardware: String,
    pub consumables: String,
    pub labour: String,
    pub subtotal: String,
}

/// One priced loose material as shown.
pub struct MaterialLine {
    pub row: String,
    pub name: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

/// The results block: the priced items and totals, or what is wrong.
#[derive(Default)]
pub struct Results {
    pub items: Vec<ItemLine>,
    pub materials: Vec<MaterialLine>,
    /// (label, amount) of each total, in order; empty when nothing was priced.
    pub totals: Vec<(&'static str, String)>,
    pub problems: Vec<Problem>,
}

impl Results {
    /// The problem of a row's field, for its input.
    pub fn problem(&self, row: &usize, field: &str) -> Option<&Problem> {
        self.problems
            .iter()
            .find(|p| p.row == Some(*row) && p.field == field)
    }

    /// Whether a term's field (`utilidad`, ...) has a problem, for its input.
    pub fn term_problem(&self, field: &str) -> bool {
        self.problems
            .iter()
            .any(|p| p.row.is_none() && p.field == field)
    }
}

/// The Cotizar page.
#[derive(Template)]
#[template(path = "quote_builder.html")]
pub struct BuilderPage {
    pub layout: Layout,
    pub t: &'static Texts,
    pub csrf: String,
    pub rows: Vec<Row>,
    pub material_rows: Vec<MaterialRow>,
    /// The shop's materials, for the loose materials' selects.
    pub materials: Vec<Choice>,
    pub products: Vec<Choice>,
    pub glasses: Vec<Choice>,
    pub colours: Vec<Choice>,
    pub clients: Vec<Choice>,
    pub client: String,
    /// The draft being edited, if any.
    pub editing: Option<edit::Editing>,
    /// The inline "Cliente nuevo" form as typed, and its problems.
    pub new_client: crate::web::clients::Values,
    pub client_errors: crate::web::clients::FieldErrors,
    /// A flash on the page itself (a client just created).
    pub notice: Option<String>,
    /// The form's nonce (`envio`): a second save of the same form goes to the
    /// first one's quote ([`super::save`]).
    pub nonce: String,
    /// The quote's own terms as typed, the shop's defaults in percent (profit,
    /// indirect, discount) for the placeholders, its tax codes and default one.
    pub terms: Terms,
    pub term_defaults: [String; 3],
    pub taxes: Vec<Choice>,
    pub tax_default: String,
    pub results: Results,
}

impl BuilderPage {
    pub(super) fn new(
        user: &SignedIn,
        catalog: &Catalog,
        rows: Vec<Row>,
        clients: Vec<Choice>,
    ) -> Self {
        let t = page::texts();
        let sorted = |mut list: Vec<Choice>| {
            list.sort_by(|a, b| a.name.cmp(&b.name).then(a.code.cmp(&b.code)));
            list
        };
        Self {
            layout: Layout::new(t.quote_builder_title, Some(user), "cotizar"),
            t,
            csrf: user.csrf.clone(),
            rows,
            material_rows: vec![MaterialRow::default(); materials::FIRST_MATERIALS],
            materials: sorted(
                catalog
                    .materials
                    .values()
                    .map(|m| Choice {
                        code: m.code.clone(),
                        name: format!("{} ({})", m.name, m.code),
                    })
                    .collect(),
            ),
            products: sorted(
                catalog
                    .products
                    .values()
                    .map(|p| Choice {
                        code: p.code.clone(),
                        name: p.name.clone(),
                    })
                    .collect(),
            ),
            glasses: sorted(
                catalog
                    .materials
                    .values()
                    .filter(|m| m.category == Category::Glass)
                    .map(|m| Choice {
                        code: m.code.clone(),
                        name: m.name.clone(),
                    })
                    .collect(),
            ),
            colours: sorted(
                catalog
                    .colours
                    .iter()
                    .map(|(code, name)| Choice {
                        code: code.clone(),
                        name: name.clone(),
                    })
                    .collect(),
            ),
            clients,
            client: String::new(),
            editing: None,
            new_client: Default::default(),
            client_errors: Default::default(),
            notice: None,
            nonce: uuid::Uuid::new_v4().to_string(),
            terms: Terms::default(),
            term_defaults: terms::defaults(catalog),
            taxes: terms::tax_choices(catalog),
            tax_default: catalog.default_tax_code.clone().unwrap_or_else(|| {
                let tax = catalog.default_rates.tax * rust_decimal::Decimal::ONE_HUNDRED;
                format!("{} %", tax.normalize())
            }),
            results: Results::default(),
        }
    }

    /// The number of rows, for the hidden `filas` field.
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// The number of material rows, for the hidden `materiales` field.
    pub fn material_count(&self) -> usize {
        self.material_rows.len()
    }

    /// "Material 2" for the material row at `index`.
    pub fn material_legend(&self, index: &usize) -> String {
        fill(
            self.t.builder.material_row_legend,
            &[("row", &(index + 1).to_string())],
        )
    }

    /// "El de la empresa (IVA16)": the tax select's empty choice.
    pub fn tax_default_label(&self) -> String {
        fill(self.t.quote_tax_default, &[("tax", &self.tax_default)])
    }

    /// "Partida 3" for the row at `index`.
    pub fn legend(&self, index: &usize) -> String {
        fill(
            self.t.quote_row_legend,
            &[("row", &(index + 1).to_string())],
        )
    }
}
