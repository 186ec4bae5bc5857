//! A CSV request body (`text/csv`), read whole: the route's body limit
//! (`server.max_import_bytes` for imports) bounds it before it reaches here.

use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use crate::error::ApiError;

/// The media type of CSV files.
pub const CSV: &str = "text/csv";
/// Bytes of no declared type, accepted as CSV too: client generators that know no
/// `text/csv` (openapi-python-client among them) may send the file as such.
const OCTET_STREAM: &str = "application/octet-stream";

/// A CSV file sent as the request body.
#[derive(Debug)]
pub struct CsvBody(pub Vec<u8>);

fn is_csv(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "text/csv" | "application/csv" | OCTET_STREAM
    )
}

impl<'a> ApiExtractor<'a> for CsvBody {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(_registry: &mut Registry) {}

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: CSV,
                schema: MetaSchemaRef::Inline(Box::new(MetaSchema {
                    format: Some("binary"),
                    ..MetaSchema::new("string")
                })),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if is_csv(content_type) => {
                let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
                Ok(Self(data))
            }
            other => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "send the file as text/csv (or application/octet-stream), not {}",
                    other.unwrap_or("a body without Content-Type")
                ),
            )
            .into()),
        }
    }
}
