//! Types every catalogue concern shares: material codes, categories, units, where a
//! row comes from (the tenant or the global defaults) and window types. Each maps to
//! the text the database stores by derive, with no silent defaults.

use poem_openapi::Enum;

use crate::error::ApiError;

/// The currency of every price (prices are MXN before IVA).
pub const CURRENCY: &str = "MXN";

/// A material code such as `VID-CLARO-4`: an uppercase letter or digit, then up to
/// 63 letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct MaterialCode(String);

impl MaterialCode {
    /// Parses a code, or says what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut chars = raw.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if first_ok && rest_ok && raw.len() <= 64 {
            Ok(Self(raw.to_owned()))
        } else {
            Err(not_a_code(raw))
        }
    }

    /// Parses a code from a request field, as a 422 naming the field.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, ApiError> {
        Self::parse(raw).map_err(|m| ApiError::invalid_field(field, m))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why `raw` is refused as a material code, in English.
pub fn not_a_code(raw: &str) -> String {
    format!(
        "{raw:?} is not a material code (uppercase letter or digit first, then up to 63 of A-Z a-z 0-9 . _ -)"
    )
}

impl TryFrom<String> for MaterialCode {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl std::fmt::Display for MaterialCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of material: `glass` (priced per m²), `profile` (aluminium, per
/// metre, sold in bars), `hardware` (rollers, hinges, locks; per piece) or
/// `consumable` (silicone, screws, weatherstrip...).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum Category {
    /// Vidrio, priced per m².
    Glass,
    /// Perfil (aluminium extrusion), priced per metre, sold in bars.
    Profile,
    /// Herraje: rollers, hinges, locks; per piece.
    Hardware,
    /// Consumible: silicone, screws, wedges, weatherstrip.
    Consumable,
}

crate::db::text_type!(Category);

impl Category {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Glass => "glass",
            Category::Profile => "profile",
            Category::Hardware => "hardware",
            Category::Consumable => "consumable",
        }
    }

    /// From its database name, e.g. `glass` in a CSV file.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Category::Glass,
            Category::Profile,
            Category::Hardware,
            Category::Consumable,
        ]
        .into_iter()
        .find(|c| c.as_str() == name)
    }

    /// Units a material of this category may be priced in.
    pub fn allowed_units(self) -> &'static [Unit] {
        match self {
            Category::Glass => &[Unit::M2],
            Category::Profile => &[Unit::M],
            Category::Hardware => &[Unit::Piece],
            Category::Consumable => &[Unit::M, Unit::Piece, Unit::Cartridge, Unit::Kg, Unit::L],
        }
    }
}

/// The unit a price is per: `m2` (square metre), `m` (metre), `piece`,
/// `cartridge`, `kg` or `l` (litre).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum Unit {
    #[oai(rename = "m2")]
    M2,
    #[oai(rename = "m")]
    M,
    #[oai(rename = "piece")]
    Piece,
    #[oai(rename = "cartridge")]
    Cartridge,
    #[oai(rename = "kg")]
    Kg,
    #[oai(rename = "l")]
    L,
}

crate::db::text_type!(Unit);

impl Unit {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::M2 => "m2",
            Unit::M => "m",
            Unit::Piece => "piece",
            Unit::Cartridge => "cartridge",
            Unit::Kg => "kg",
            Unit::L => "l",
        }
    }

    /// From its database name, e.g. `m2` in a CSV file.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Unit::M2,
            Unit::M,
            Unit::Piece,
            Unit::Cartridge,
            Unit::Kg,
            Unit::L,
        ]
        .into_iter()
        .find(|u| u.as_str() == name)
    }
}

/// Where an effective row comes from: `tenant` (the tenant's own) or `global`
/// (inherited from the platform's default catalogue).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum Source {
    /// The tenant's own row.
    Tenant,
    /// Inherited from the global default catalogue.
    Global,
}

crate::db::text_type!(Source);

/// Window types, each with its labour rate: `fija` (fixed), `corrediza`
/// (sliding), `abatible` (casement), `oscilobatiente` (tilt-and-turn) or
/// `proyectante` (awning).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum WindowType {
    /// Fija (fixed).
    Fija,
    /// Corrediza (sliding).
    Corrediza,
    /// Abatible (casement).
    Abatible,
    /// Oscilobatiente (tilt-and-turn).
    Oscilobatiente,
    /// Proyectante (awning).
    Proyectante,
}

crate::db::text_type!(WindowType);

impl WindowType {
    /// Every window type.
    pub const ALL: [WindowType; 5] = [
        WindowType::Fija,
        WindowType::Corrediza,
        WindowType::Abatible,
        WindowType::Oscilobatiente,
        WindowType::Proyectante,
    ];

    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowType::Fija => "fija",
            WindowType::Corrediza => "corrediza",
            WindowType::Abatible => "abatible",
            WindowType::Oscilobatiente => "oscilobatiente",
            WindowType::Proyectante => "proyectante",
        }
    }

    /// From its name, e.g. `corrediza` in a path.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_catalogue_convention() {
        for good in ["VID-CLARO-4", "CON-PIJ-8x1", "PER-S35-MM", "9X"] {
            assert!(MaterialCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "vid-claro", "-A", "A B", "A/B", &"A".repeat(65)] {
            assert!(MaterialCode::parse(bad).is_err(), "{bad:?}");
        }
    }
}
