//! The texts of the Administración pages for the shop's quoting catalogue (taxes,
//! colours) and the restore / remove buttons of labour and the logo: one
//! sub-struct per page, reached as `t.admin_catalog.taxes.title`, so the main
//! [`super::Texts`] grows by one field.

/// Administración's catalogue texts.
#[derive(Debug, serde::Serialize)]
pub struct AdminCatalogTexts {
    /// The labour row's button.
    pub labour_restore: &'static str,
    /// `{type}`: the window type.
    pub labour_restore_label: &'static str,
    /// `{type}`.
    pub labour_restored: &'static str,
    pub logo_remove: &'static str,
    pub logo_removed: &'static str,
    pub taxes: TaxTexts,
    pub colours: ColourTexts,
}

/// Impuestos: `/administracion/impuestos`.
#[derive(Debug, serde::Serialize)]
pub struct TaxTexts {
    pub admin_hint: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub col_code: &'static str,
    pub col_name: &'static str,
    pub col_rate: &'static str,
    pub col_valid_from: &'static str,
    pub col_state: &'static str,
    pub state_current: &'static str,
    pub state_scheduled: &'static str,
    pub state_past: &'static str,
    pub own: &'static str,
    pub default: &'static str,
    /// `{rate}`: e.g. `16`.
    pub percent: &'static str,
    pub remove: &'static str,
    /// `{code}`, `{date}`.
    pub remove_label: &'static str,
    pub remove_hint: &'static str,
    /// `{code}`, `{date}`.
    pub removed: &'static str,
    pub new_title: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub rate_label: &'static str,
    pub rate_hint: &'static str,
    pub valid_from_label: &'static str,
    pub valid_from_hint: &'static str,
    pub create: &'static str,
    /// `{code}`, `{date}`.
    pub created: &'static str,
    pub code_invalid: &'static str,
    pub name_invalid: &'static str,
    pub rate_invalid: &'static str,
    pub valid_from_invalid: &'static str,
    /// `{code}`, `{date}`.
    pub exists: &'static str,
    /// `{code}`.
    pub in_use: &'static str,
    /// The quote settings' select: no tax code, the IVA percentage applies.
    pub settings_no_code: &'static str,
}

/// Colores: `/administracion/colores`.
#[derive(Debug, serde::Serialize)]
pub struct ColourTexts {
    pub admin_hint: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub col_code: &'static str,
    pub col_name: &'static str,
    pub own: &'static str,
    pub default: &'static str,
    pub rename: &'static str,
    /// `{code}`.
    pub rename_label: &'static str,
    pub save: &'static str,
    pub remove: &'static str,
    /// `{code}`.
    pub remove_label: &'static str,
    pub new_title: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub create: &'static str,
    /// `{code}`.
    pub saved: &'static str,
    /// `{code}`.
    pub removed: &'static str,
    pub code_invalid: &'static str,
    pub name_invalid: &'static str,
}

/// The es-MX texts.
pub const ES_MX: AdminCatalogTexts = AdminCatalogTexts {
    labour_restore: "Restaurar predeterminada",
    labour_restore_label: "Restaurar predeterminada: {type}",
    labour_restored: "{type} vuelve a usar la tarifa predeterminada.",
    logo_remove: "Quitar logo",
    logo_removed: "Se quitó el logo. Las cotizaciones ya enviadas conservan el suyo.",
    taxes: TaxTexts {
        admin_hint: "Claves de impuesto (IVA) y sus tasas, con el día en que entran en vigor.",
        title: "Impuestos",
        intro: "Cada clave de impuesto tiene tasas que entran en vigor un día (del horario del taller). Una tasa propia de una clave reemplaza a las predeterminadas desde su día; si quitas todas las propias, vuelven a aplicar las predeterminadas.",
        col_code: "Clave",
        col_name: "Nombre",
        col_rate: "Tasa",
        col_valid_from: "Vigente desde",
        col_state: "Estado",
        state_current: "Vigente",
        state_scheduled: "Programada",
        state_past: "Anterior",
        own: "Propia",
        default: "Predeterminada",
        percent: "{rate} %",
        remove: "Quitar",
        remove_label: "Quitar: {code} desde el {date}",
        remove_hint: "Solo se pueden quitar las tasas propias.",
        removed: "Se quitó la tasa de {code} desde el {date}.",
        new_title: "Nueva tasa",
        code_label: "Clave",
        code_hint: "De 1 a 16 letras mayúsculas, dígitos, _ o -, por ejemplo IVA16.",
        name_label: "Nombre",
        name_hint: "Por ejemplo IVA general; hasta 200 caracteres.",
        rate_label: "Tasa (%)",
        rate_hint: "En porcentaje, de 0 a 100: 16 es 16 %.",
        valid_from_label: "Vigente desde",
        valid_from_hint: "El primer día en que aplica, por ejemplo 2027-01-01.",
        create: "Agregar tasa",
        created: "Se agregó la tasa de {code} desde el {date}.",
        code_invalid: "Revisa la clave: de 1 a 16 letras mayúsculas, dígitos, _ o -, por ejemplo IVA16.",
        name_invalid: "Escribe el nombre, de 1 a 200 caracteres.",
        rate_invalid: "Revisa la tasa: un porcentaje de 0 a 100 con punto decimal, por ejemplo 16 o 8.5.",
        valid_from_invalid: "Revisa la fecha: año, mes y día, por ejemplo 2027-01-01.",
        exists: "{code} ya tiene una tasa desde el {date}; quítala primero. No se guardó nada.",
        in_use: "{code} es la clave de impuesto de los ajustes de cotizaciones y se quedaría sin tasa vigente. Cambia primero los ajustes. No se quitó nada.",
        settings_no_code: "Sin clave (usar el porcentaje de IVA)",
    },
    colours: ColourTexts {
        admin_hint: "Los colores (acabados) en que vienen los perfiles.",
        title: "Colores",
        intro: "Los colores en que vienen los perfiles. Un color propio con la clave de uno predeterminado lo reemplaza; al quitarlo, vuelve el predeterminado. Las cotizaciones ya no pueden usar un color que se quitó.",
        col_code: "Clave",
        col_name: "Nombre",
        own: "Propio",
        default: "Predeterminado",
        rename: "Cambiar nombre",
        rename_label: "Nombre: {code}",
        save: "Guardar",
        remove: "Quitar color propio",
        remove_label: "Quitar color propio: {code}",
        new_title: "Nuevo color",
        code_label: "Clave",
        code_hint: "De 1 a 16 letras mayúsculas, dígitos, _ o -, por ejemplo CHA. Con la clave de uno predeterminado, lo reemplaza.",
        name_label: "Nombre",
        name_hint: "Hasta 100 caracteres, por ejemplo Champaña.",
        create: "Agregar color",
        saved: "Se guardó el color {code}.",
        removed: "Se quitó el color propio {code}.",
        code_invalid: "Revisa la clave: de 1 a 16 letras mayúsculas, dígitos, _ o -, por ejemplo CHA.",
        name_invalid: "Escribe el nombre, de 1 a 100 caracteres.",
    },
};
