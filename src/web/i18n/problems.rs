//! The words for problems the shared code finds by kind: a CSV import's lines
//! (`price_admin::csv_problem::ProblemKind`), the pricing engine's refusals
//! (`pricing::EngineProblem`) and the decimals both read (`money::DecimalProblem`).
//! `t.problems.*`; `web::problems` picks the text of each kind.

/// The texts of problems found by kind (one value per language).
#[derive(Debug, serde::Serialize)]
pub struct ProblemTexts {
    pub decimal: DecimalTexts,
    pub csv: CsvTexts,
    pub engine: EngineTexts,
}

/// A decimal that is not acceptable.
#[derive(Debug, serde::Serialize)]
pub struct DecimalTexts {
    /// `{example}`.
    pub not_a_decimal: &'static str,
    /// `{value}`.
    pub negative: &'static str,
    /// `{value}`, `{scale}`.
    pub too_many_decimals: &'static str,
    /// `{value}`, `{max}`.
    pub too_large: &'static str,
}

/// A problem of a line or value of a CSV import.
#[derive(Debug, serde::Serialize)]
pub struct CsvTexts {
    pub empty_file: &'static str,
    pub no_materials: &'static str,
    pub unreadable: &'static str,
    /// `{line}`.
    pub duplicate_code: &'static str,
    pub column_twice: &'static str,
    /// `{columns}`.
    pub unknown_column: &'static str,
    pub column_required: &'static str,
    /// `{found}`, `{expected}`.
    pub field_count: &'static str,
    pub nul: &'static str,
    pub not_utf8: &'static str,
    pub code_required: &'static str,
    pub bad_code: &'static str,
    pub price_required: &'static str,
    /// `{int}`, `{frac}`.
    pub decimal_comma: &'static str,
    /// `{max}`.
    pub name_too_long: &'static str,
    pub not_a_category: &'static str,
    pub not_a_unit: &'static str,
    pub not_a_bool: &'static str,
    /// `{currency}`.
    pub currency: &'static str,
    pub source: &'static str,
    /// `{code}`, `{column}`.
    pub missing_for_new: &'static str,
    /// `{code}`, `{category}`.
    pub category_mismatch: &'static str,
    /// `{category}`, `{allowed}`, `{unit}`.
    pub unit_not_allowed: &'static str,
    /// Between the allowed units: " o ".
    pub or: &'static str,
    pub bar_only_for_profiles: &'static str,
    pub bar_length_zero: &'static str,
    /// `{code}`.
    pub inherited_cannot_deactivate: &'static str,
}

/// Why the engine cannot price a quote; the page puts the row and field first.
#[derive(Debug, serde::Serialize)]
pub struct EngineTexts {
    /// `{code}`.
    pub unknown_product: &'static str,
    /// `{code}`.
    pub unknown_material: &'static str,
    /// `{value}`, `{product}`, `{min}`, `{max}`.
    pub size_out_of_range: &'static str,
    /// `{max}`.
    pub quantity: &'static str,
    /// `{code}`, `{category}`.
    pub not_glass: &'static str,
    /// `{colour}`, `{profile}`.
    pub colour_not_offered: &'static str,
    /// `{formula}`, `{product}`, `{reason}`.
    pub formula: &'static str,
    pub division_by_zero: &'static str,
    pub overflow: &'static str,
    /// `{formula}`, `{product}`, `{size}`, `{max}`.
    pub piece_too_long: &'static str,
    /// `{count}`, `{max}`.
    pub too_many_pieces: &'static str,
    /// `{value}`, `{max}` (in percent).
    pub rate_out_of_range: &'static str,
    /// `{rate}`.
    pub negative_labour: &'static str,
    /// `{quantity}`.
    pub material_quantity: &'static str,
    /// `{total}`, `{max}`.
    pub too_many_planned_pieces: &'static str,
    /// `{length}`, `{material}`, `{usable}`.
    pub piece_longer_than_bar: &'static str,
    /// `{length}`, `{usable}`.
    pub cut_plan: &'static str,
    pub too_large: &'static str,
    /// `{problem}`: the amount's problem.
    pub amount: &'static str,
}

/// Spanish (Mexico).
pub const ES_MX: ProblemTexts = ProblemTexts {
    decimal: DecimalTexts {
        not_a_decimal: "no es un número decimal como {example}.",
        negative: "{value} es negativo: debe ser 0 o más.",
        too_many_decimals: "{value} tiene más de {scale} decimales.",
        too_large: "{value} es mayor que el máximo, {max}.",
    },
    csv: CsvTexts {
        empty_file: "el archivo está vacío: envía una fila de encabezados y una fila por material.",
        no_materials: "el archivo tiene encabezados pero ningún material.",
        unreadable: "no se puede leer como CSV: revisa las comillas y guárdalo otra vez como CSV (UTF-8).",
        duplicate_code: "el código ya está en la línea {line}.",
        column_twice: "la columna aparece dos veces.",
        unknown_column: "columna desconocida; las columnas son {columns}.",
        column_required: "esta columna es obligatoria.",
        field_count: "la línea tiene {found} campos, pero los encabezados son {expected}.",
        nul: "contiene un carácter nulo (NUL).",
        not_utf8: "no es texto UTF-8: guarda el archivo como UTF-8.",
        code_required: "falta el código.",
        bad_code: "no es un código de material: empieza con una letra mayúscula o un dígito y sigue con hasta 63 letras, dígitos, «.», «_» o «-».",
        price_required: "falta el precio, por ejemplo 85.50.",
        decimal_comma: "tiene coma decimal: escribe {int}.{frac}, con punto (sin separar los miles).",
        name_too_long: "el nombre admite hasta {max} caracteres.",
        not_a_category: "no es una categoría: glass (vidrio), profile (perfil), hardware (herraje) o consumable (consumible).",
        not_a_unit: "no es una unidad: m2, m, piece, cartridge, kg o l.",
        not_a_bool: "escribe true o false.",
        currency: "los precios son en {currency}.",
        source: "escribe tenant o global (la columna es informativa y se puede omitir).",
        missing_for_new: "{code} es nuevo: indica su «{column}».",
        category_mismatch: "{code} es de la categoría «{category}» en el catálogo predeterminado.",
        unit_not_allowed: "un material de la categoría «{category}» se cobra por {allowed}, no por {unit}.",
        or: " o ",
        bar_only_for_profiles: "solo los perfiles tienen largo de barra.",
        bar_length_zero: "el largo de barra debe ser mayor que 0.",
        inherited_cannot_deactivate: "{code} viene del catálogo predeterminado, que no se puede desactivar; dale un precio propio.",
    },
    engine: EngineTexts {
        unknown_product: "no hay un producto con la clave {code} en el catálogo; elige uno de la lista.",
        unknown_material: "el material {code} no está en el catálogo de la tienda.",
        size_out_of_range: "{value} cm está fuera de lo que admite {product}: escribe una medida de {min} a {max} cm.",
        quantity: "escribe un número entero de 1 a {max}.",
        not_glass: "{code} no es un vidrio (es de la categoría «{category}»); elige un vidrio de la lista.",
        colour_not_offered: "el color {colour} no se ofrece para el perfil {profile}; elige otro o «Sin color».",
        formula: "la fórmula «{formula}» de {product} no se puede calcular con estas medidas ({reason}).",
        division_by_zero: "división entre cero",
        overflow: "el resultado es demasiado grande",
        piece_too_long: "la fórmula «{formula}» de {product} da una pieza de {size} cm, más de {max} cm.",
        too_many_pieces: "{count} piezas por ventana son más de {max}.",
        rate_out_of_range: "{value} % está fuera del rango de 0 a {max} %.",
        negative_labour: "{rate} es negativo: debe ser 0 o más.",
        material_quantity: "{quantity} no es mayor que 0.",
        too_many_planned_pieces: "{total} piezas de perfil son más de las que admite un plan de corte ({max}).",
        piece_longer_than_bar: "una pieza de {length} mm de {material} es más larga que lo que se aprovecha de una barra ({usable} mm).",
        cut_plan: "una pieza de {length} mm es más larga que lo que se aprovecha de una barra ({usable} mm).",
        too_large: "el importe es demasiado grande.",
        amount: "un importe no es válido: {problem}",
    },
};
