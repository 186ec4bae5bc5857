//! The texts of Cotizar's later parts (editing a draft, loose materials, the
//! labour and tax overrides, a client created from the form, the guarded
//! "Duplicar"), kept apart from the main catalogue: `t.builder.*`.

/// Cotizar's texts (one value per language).
#[derive(Debug, serde::Serialize)]
pub struct BuilderTexts {
    /// The quote page's link to the builder (drafts only).
    pub edit: &'static str,
    /// `{number}`: the quote's number.
    pub edit_title: &'static str,
    pub edit_intro: &'static str,
    pub save_changes: &'static str,
    pub back_to_quote: &'static str,
    /// `{number}`.
    pub edited_notice: &'static str,
    /// `{number}`.
    pub edit_stale: &'static str,
    /// `{status}`: the quote's status in Spanish.
    pub edit_not_draft: &'static str,
    /// `{max}`: the most rows the form takes.
    pub edit_too_many: &'static str,

    pub materials_legend: &'static str,
    pub materials_hint: &'static str,
    /// `{row}`.
    pub material_row_legend: &'static str,
    pub material_label: &'static str,
    pub material_quantity_label: &'static str,
    pub add_material: &'static str,
    pub material_missing: &'static str,
    pub material_unknown: &'static str,
    pub material_quantity_invalid: &'static str,
    /// `{row}`, `{field}`, `{problem}`.
    pub material_problem: &'static str,
    pub col_unit_price: &'static str,
    pub col_amount: &'static str,

    pub labour_label: &'static str,
    pub labour_placeholder: &'static str,
    pub tax_rate_label: &'static str,
    pub tax_rate_placeholder: &'static str,
    pub money_invalid: &'static str,

    pub new_client_summary: &'static str,
    pub new_client_hint: &'static str,
    pub create_client: &'static str,
    /// `{name}`.
    pub client_created: &'static str,
    pub client_problems: &'static str,

    pub duplicate_busy: &'static str,
}

/// Spanish (Mexico).
pub const ES_MX: BuilderTexts = BuilderTexts {
    edit: "Editar",
    edit_title: "Editar la cotización {number}",
    edit_intro: "Cambia las partidas, los materiales o las condiciones y guarda los cambios: el borrador se calcula de nuevo con los precios de hoy.",
    save_changes: "Guardar cambios",
    back_to_quote: "Volver a la cotización sin guardar",
    edited_notice: "Guardaste los cambios de la cotización {number}.",
    edit_stale: "Alguien cambió la cotización {number} mientras la editabas: no se guardó nada. Tus datos siguen en el formulario; si guardas otra vez, reemplazarán esos cambios.",
    edit_not_draft: "La cotización está «{status}»: ya no se puede editar. Revísala para abrir una nueva versión. No se cambió nada.",
    edit_too_many: "Esta cotización tiene más partidas o materiales de los que admite el formulario ({max}): cámbiala por la API. No se cambió nada.",

    materials_legend: "Materiales sueltos",
    materials_hint: "Cualquier material del catálogo por su cantidad, a su precio y sin desperdicio.",
    material_row_legend: "Material {row}",
    material_label: "Material",
    material_quantity_label: "Cantidad (en su unidad)",
    add_material: "Agregar material",
    material_missing: "elige el material.",
    material_unknown: "elige un material del catálogo.",
    material_quantity_invalid: "escribe una cantidad mayor que 0 con punto decimal, por ejemplo 2.5 (hasta 3 decimales).",
    material_problem: "Material {row}, «{field}»: {problem}",
    col_unit_price: "Precio unitario",
    col_amount: "Importe",

    labour_label: "Mano de obra por m² ($)",
    labour_placeholder: "Por tipo de ventana",
    tax_rate_label: "IVA propio (%)",
    tax_rate_placeholder: "Sin tasa propia",
    money_invalid: "escribe un importe como 350 o 350.50, sin signo ni comas.",

    new_client_summary: "Cliente nuevo",
    new_client_hint: "Si el cliente no está en la lista, escríbelo aquí: se crea, queda elegido y las partidas se conservan.",
    create_client: "Crear y elegir cliente",
    client_created: "Creaste el cliente «{name}» y quedó elegido para esta cotización.",
    client_problems: "No se creó el cliente:",

    duplicate_busy: "Esta cotización ya se está duplicando: espera unos segundos y recarga la página.",
};

#[cfg(test)]
mod tests {
    use super::ES_MX;

    #[test]
    fn placeholders_are_in_the_texts() {
        for (text, names) in [
            (ES_MX.edit_title, &["number"][..]),
            (ES_MX.edited_notice, &["number"]),
            (ES_MX.edit_stale, &["number"]),
            (ES_MX.edit_not_draft, &["status"]),
            (ES_MX.edit_too_many, &["max"]),
            (ES_MX.material_row_legend, &["row"]),
            (ES_MX.material_problem, &["row", "field", "problem"]),
            (ES_MX.client_created, &["name"]),
        ] {
            for name in names {
                assert!(text.contains(&format!("{{{name}}}")), "{text} lacks {name}");
            }
        }
    }
}
