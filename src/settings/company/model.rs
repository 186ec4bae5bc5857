//! The shop's company details printed on its quotes, and its logo: the types, the
//! checks of what an admin sends, and the logo as the PDF writer takes it.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem_openapi::types::Example;
use poem_openapi::Object;
use sha2::Digest as _;

use crate::clients::model::rfc_problem;
use crate::documents::pdf::{self, LogoFormat, PdfImage, PixelLimit};
use crate::error::{ApiError, ApiResult};
use crate::http::check_name;
use crate::http::optional_text;
use crate::users::model::normalize_email;

/// The company as printed on quotes. Until an admin sets it, the legal name is the
/// tenant's name and the rest is empty.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct CompanyProfile {
    /// Razón social, printed on quotes.
    pub legal_name: String,
    /// RFC, uppercase; absent until set.
    #[oai(skip_serializing_if_is_none)]
    pub rfc: Option<String>,
    /// Postal address; absent until set.
    #[oai(skip_serializing_if_is_none)]
    pub address: Option<String>,
    /// Phone number as written; absent until set.
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    /// Email address, lowercase; absent until set.
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
    /// Website, e.g. `https://aluminiosperez.mx`; absent until set.
    #[oai(skip_serializing_if_is_none)]
    pub website: Option<String>,
    /// `image/png` or `image/jpeg` when a logo was uploaded.
    #[oai(skip_serializing_if_is_none)]
    pub logo_type: Option<String>,
    /// When an admin last changed the details or the logo; absent until then.
    #[oai(skip_serializing_if_is_none)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// The company details an admin sets; absent or empty optional fields clear them.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(example, skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    /// Razón social, 1 to 200 characters, e.g. `Aluminios del Norte SA de CV`.
    pub legal_name: String,
    /// RFC: 12 characters for companies, 13 for people.
    pub rfc: Option<String>,
    /// Postal address, printed on quotes.
    pub address: Option<String>,
    /// Phone number as written, printed on quotes.
    pub phone: Option<String>,
    /// Email address, printed on quotes.
    pub email: Option<String>,
    /// Website, for the web app (not printed).
    pub website: Option<String>,
}

impl Example for CompanyInput {
    fn example() -> Self {
        Self {
            legal_name: "Aluminios Pérez SA de CV".to_owned(),
            rfc: Some("APE010101AB1".to_owned()),
            address: Some("Calle Industria 45, Monterrey, NL".to_owned()),
            phone: Some("+52 81 1234 5678".to_owned()),
            email: Some("ventas@aluminiosperez.mx".to_owned()),
            website: Some("https://aluminiosperez.mx".to_owned()),
        }
    }
}

/// Where logos are uploaded (its body limit is [`MAX_LOGO_BYTES`]).
pub const LOGO_PATH: &str = "/api/v1/settings/company/logo";
/// The largest logo accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// A stored logo.
pub struct Logo {
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes: how sent quotes refer to the logo they were sent with.
    pub sha256: Vec<u8>,
}

impl Logo {
    /// The logo as the PDF writer takes it.
    pub fn for_pdf(&self) -> pdf::Logo<'_> {
        pdf::Logo {
            format: if self.content_type == "image/png" {
                LogoFormat::Png
            } else {
                LogoFormat::Jpeg
            },
            bytes: &self.bytes,
        }
    }
}

/// Recognises a PNG or JPEG by its signature and reads it into its PDF-ready form,
/// refusing it when it measures more than `limit`. CPU-heavy: run it off the async
/// workers (`Renderer::decode`).
pub fn check_logo(bytes: Vec<u8>, limit: PixelLimit) -> ApiResult<(Logo, PdfImage)> {
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
            "the logo must be a PNG or JPEG image",
        ));
    };
    let logo = Logo {
        content_type: content_type.to_owned(),
        sha256: sha2::Sha256::digest(&bytes).to_vec(),
        bytes,
    };
    let image = pdf::prepare_logo(&logo.for_pdf(), limit).map_err(|e| {
        let err = ApiError::invalid_field("logo", e.to_string());
        match e {
            pdf::PdfError::TooLarge {
                width,
                height,
                limit,
            } => err.with_details(serde_json::json!({
                "field": "logo",
                "width_px": width,
                "height_px": height,
                "max_width_px": limit.width,
                "max_height_px": limit.height,
            })),
            pdf::PdfError::Logo(_) => err,
        }
    })?;
    Ok((logo, image))
}

/// Checks and normalises the input; errors name the field (the first problem of
/// [`checked_all`]).
pub fn checked(input: &CompanyInput) -> ApiResult<CompanyInput> {
    checked_all(input).map_err(|mut problems| problems.remove(0))
}

/// Checks and normalises the input, or every field's problem in the order
/// [`checked`] answers them (rfc, email, legal_name, address, phone, website);
/// never an empty list.
pub fn checked_all(input: &CompanyInput) -> Result<CompanyInput, Vec<ApiError>> {
    let mut problems = Vec::new();
    let mut keep = |result: ApiResult<Option<String>>| match result {
        Ok(value) => value,
        Err(err) => {
            problems.push(err);
            None
        }
    };
    let rfc = keep(
        optional_text("rfc", input.rfc.as_ref(), 13).and_then(|rfc| {
            let rfc = rfc.map(|r| r.to_uppercase());
            match rfc.as_deref().and_then(rfc_problem) {
                Some(problem) => Err(ApiError::invalid_field("rfc", problem)),
                None => Ok(rfc),
            }
        }),
    );
    let email = keep(
        optional_text("email", input.email.as_ref(), 254).and_then(|e| {
            e.map(|e| normalize_email(&e).map_err(|m| ApiError::invalid_field("email", m)))
                .transpose()
        }),
    );
    let legal_name = keep(check_name("legal_name", &input.legal_name).map(|n| Some(n.to_owned())));
    let address = keep(optional_text("address", input.address.as_ref(), 500));
    let phone = keep(optional_text("phone", input.phone.as_ref(), 40));
    let website = keep(optional_text("website", input.website.as_ref(), 200));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CompanyInput {
        legal_name: legal_name.unwrap_or_default(),
        rfc,
        address,
        phone,
        email,
        website,
    })
}
