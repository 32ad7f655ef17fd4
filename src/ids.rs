//! Identifiers: UUIDv7s, one type per kind of object, so that an offer's id cannot be passed
//! where a user's is expected. An id is kept in its canonical text form (lower-case, hyphenated),
//! the form in which it is stored, compared and sent, so none of those converts or allocates.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::sql_types::Text;
use uuid::Uuid;

const LEN: usize = 36;

/// The id of an object of kind `K`.
#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Id<K> {
    text: [u8; LEN],
    kind: PhantomData<fn() -> K>,
}

/// The kinds of objects with ids, each named as its id's schema in the document.
pub mod kind {
    pub trait Kind {
        const SCHEMA: &'static str;
        const DESCRIPTION: &'static str;
        /// The document's example: an object of the demo data set (`cosell admin seed-demo`)
        /// where it has one of this kind, so that Try it out works on the demo as it is.
        const EXAMPLE: &'static str;
    }

    macro_rules! kinds {
        ($($name:ident => $schema:literal, $description:literal, $example:expr;)+) => {$(
            #[derive(Debug)]
            pub enum $name {}
            impl Kind for $name {
                const SCHEMA: &'static str = $schema;
                const DESCRIPTION: &'static str = $description;
                const EXAMPLE: &'static str = $example;
            }
        )+};
    }
    use super::known;
    /// Kinds the demo has no well-known object of.
    const NONE_IN_THE_DEMO: &str = "01937e4a-7b1c-7000-8000-0000000000ff";
    kinds! {
        Organization => "OrganizationId", "The id of a partner organization.", known::ORGANIZATION;
        User => "UserId", "The id of a user.", known::USERS[2];
        PublisherProfile => "PublisherProfileId", "The id of a publisher profile.", known::PUBLISHER_PROFILE;
        Offer => "OfferId", "The id of an offer.", known::DRAFT_OFFER;
        Submission => "SubmissionId", "The id of a submission (one publish attempt).", known::SUBMISSION_IN_CERTIFICATION;
        Solution => "SolutionId", "The id of a legacy co-sell solution.", known::SOLUTIONS[0];
        Ticket => "TicketId", "The id of a support ticket.", known::OPEN_TICKET;
        Comment => "CommentId", "The id of a ticket comment.", NONE_IN_THE_DEMO;
        AuditEvent => "AuditEventId", "The id of an audit event.", NONE_IN_THE_DEMO;
        Event => "EventId", "The id of an event of the feed (the same on every delivery of it: `webhook-id`).", NONE_IN_THE_DEMO;
        WebhookEndpoint => "WebhookEndpointId", "The id of a webhook endpoint.", known::WEBHOOK_ENDPOINT;
        WebhookDelivery => "WebhookDeliveryId", "The id of a webhook delivery.", NONE_IN_THE_DEMO;
    }
}

/// The ids of the demo data set's objects (`cosell admin seed-demo`), which the document's
/// examples and `contract/examples.json` name.
pub mod known {
    pub const ORGANIZATION: &str = "01937e4a-7b1c-7000-8000-000000000001";
    pub const PUBLISHER_PROFILE: &str = "01937e4a-7b1c-7000-8000-000000000003";
    /// Contoso Analytics, live: the merge example's target.
    pub const LIVE_OFFER: &str = "01937e4a-7b1c-7000-8000-000000000010";
    pub const DRAFT_OFFER: &str = "01937e4a-7b1c-7000-8000-000000000011";
    pub const OFFER_IN_CERTIFICATION: &str = "01937e4a-7b1c-7000-8000-000000000012";
    pub const OFFER_IN_PREVIEW: &str = "01937e4a-7b1c-7000-8000-000000000013";
    pub const OFFER_NEEDING_ATTENTION: &str = "01937e4a-7b1c-7000-8000-000000000014";
    /// The demo's legacy solutions OCP-DEMO-1 to 7, in that order.
    pub const SOLUTIONS: [&str; 7] = [
        "01937e4a-7b1c-7000-8000-000000000021",
        "01937e4a-7b1c-7000-8000-000000000022",
        "01937e4a-7b1c-7000-8000-000000000023",
        "01937e4a-7b1c-7000-8000-000000000024",
        "01937e4a-7b1c-7000-8000-000000000025",
        "01937e4a-7b1c-7000-8000-000000000026",
        "01937e4a-7b1c-7000-8000-000000000027",
    ];
    /// The submission of the offer in certification.
    pub const SUBMISSION_IN_CERTIFICATION: &str = "01937e4a-7b1c-7000-8000-000000000031";
    /// A partner's question, open.
    pub const OPEN_TICKET: &str = "01937e4a-7b1c-7000-8000-000000000041";
    /// The merge request of OCP-DEMO-2, assigned to support.
    pub const MERGE_TICKET: &str = "01937e4a-7b1c-7000-8000-000000000042";
    /// The owner, the manager, the developer, support and the reviewer, in that order.
    pub const USERS: [&str; 5] = [
        "01937e4a-7b1c-7000-8000-000000000051",
        "01937e4a-7b1c-7000-8000-000000000052",
        "01937e4a-7b1c-7000-8000-000000000053",
        "01937e4a-7b1c-7000-8000-000000000054",
        "01937e4a-7b1c-7000-8000-000000000055",
    ];
    /// A webhook endpoint, disabled (its host does not exist).
    pub const WEBHOOK_ENDPOINT: &str = "01937e4a-7b1c-7000-8000-000000000061";
}

pub type OrganizationId = Id<kind::Organization>;
pub type UserId = Id<kind::User>;
pub type PublisherProfileId = Id<kind::PublisherProfile>;
pub type OfferId = Id<kind::Offer>;
pub type SubmissionId = Id<kind::Submission>;
pub type SolutionId = Id<kind::Solution>;
pub type TicketId = Id<kind::Ticket>;
pub type CommentId = Id<kind::Comment>;
pub type AuditEventId = Id<kind::AuditEvent>;
pub type EventId = Id<kind::Event>;
pub type WebhookEndpointId = Id<kind::WebhookEndpoint>;
pub type WebhookDeliveryId = Id<kind::WebhookDelivery>;

impl<K: kind::Kind> Id<K> {
    /// A new, time-ordered id (or the one [`reserve`]d for the next object of this kind).
    pub fn generate() -> Self {
        if RESERVED_ANY.load(Ordering::Relaxed)
            && let Some(id) = take_reserved(K::SCHEMA)
        {
            return Self::from(id);
        }
        Self::from(Uuid::now_v7())
    }
}

/// Whether [`RESERVED`] may hold an id: one relaxed load on every id made outside the demo.
static RESERVED_ANY: AtomicBool = AtomicBool::new(false);
/// Ids reserved for the next objects of a kind (by its schema name), first in, first out.
static RESERVED: Mutex<Vec<(&'static str, Uuid)>> = Mutex::new(Vec::new());

/// The next object of kind `K` that this process creates gets `id` instead of a new one.
/// `cosell admin seed-demo` gives its objects the ids the document's examples name this way;
/// nothing that serves requests reserves an id.
pub fn reserve<K: kind::Kind>(id: &str) {
    let id = Uuid::parse_str(id).expect("a reserved id is a UUID");
    RESERVED.lock().unwrap_or_else(|e| e.into_inner()).push((K::SCHEMA, id));
    RESERVED_ANY.store(true, Ordering::Relaxed);
}

fn take_reserved(schema: &str) -> Option<Uuid> {
    let mut reserved = RESERVED.lock().unwrap_or_else(|e| e.into_inner());
    let at = reserved.iter().position(|(kind, _)| *kind == schema)?;
    let (_, id) = reserved.remove(at);
    if reserved.is_empty() {
        RESERVED_ANY.store(false, Ordering::Relaxed);
    }
    Some(id)
}

impl<K> Id<K> {
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever written into `text`.
        std::str::from_utf8(&self.text).expect("an id is ASCII")
    }

    pub fn uuid(&self) -> Uuid {
        Uuid::parse_str(self.as_str()).expect("an id holds a UUID")
    }

    /// The same id as another kind's (a user's id as the author of a comment).
    pub fn cast<L>(self) -> Id<L> {
        Id {
            text: self.text,
            kind: PhantomData,
        }
    }
}

/// `text` if it has the shape of a UUID in canonical form: 36 ASCII characters with the
/// hyphens in their places. (Digits are not checked again: only this code writes ids, always
/// canonical; anything else is parsed.)
fn canonical(text: &[u8]) -> Option<[u8; LEN]> {
    let text: [u8; LEN] = text.try_into().ok()?;
    let shaped = [8, 13, 18, 23].iter().all(|&i| text[i] == b'-')
        && text
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    shaped.then_some(text)
}

impl<K> From<Uuid> for Id<K> {
    fn from(uuid: Uuid) -> Self {
        let mut text = [0u8; LEN];
        uuid.hyphenated().encode_lower(&mut text);
        Self {
            text,
            kind: PhantomData,
        }
    }
}

impl<K> FromStr for Id<K> {
    type Err = uuid::Error;
    /// Any form of UUID; kept in the canonical one.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self::from)
    }
}

impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Id<K> {}
impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}
impl<K> Eq for Id<K> {}
impl<K> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
/// Ordered as their text, which for UUIDv7 is the order of creation.
impl<K> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}
/// Hashes the last 16 characters, the random part of a UUIDv7: equal ids hash alike, and
/// hashing takes half the time of the whole text.
impl<K> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let tail: [u8; 16] = self.text[LEN - 16..].try_into().expect("16 bytes");
        state.write_u128(u128::from_le_bytes(tail));
    }
}
impl<K> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl<K> PartialEq<str> for Id<K> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<K> serde::Serialize for Id<K> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de, K> serde::Deserialize<'de> for Id<K> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Uuid::deserialize(deserializer).map(Self::from)
    }
}

impl<K: kind::Kind> utoipa::PartialSchema for Id<K> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .description(Some(K::DESCRIPTION))
            .examples([serde_json::json!(K::EXAMPLE)])
            .into()
    }
}

impl<K: kind::Kind> utoipa::ToSchema for Id<K> {
    fn name() -> std::borrow::Cow<'static, str> {
        K::SCHEMA.into()
    }
}

// The database sees an id as the text it is.

impl<K, DB> diesel::serialize::ToSql<Text, DB> for Id<K>
where
    DB: diesel::backend::Backend,
    str: diesel::serialize::ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
        <str as diesel::serialize::ToSql<Text, DB>>::to_sql(self.as_str(), out)
    }
}

impl<K, DB: crate::db::ReadText> diesel::deserialize::FromSql<Text, DB> for Id<K> {
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        DB::read_text(bytes, |text| {
            // Stored ids are canonical: copied as they are, without parsing them as UUIDs.
            match canonical(text.as_bytes()) {
                Some(text) => Ok(Self {
                    text,
                    kind: PhantomData,
                }),
                None => Ok(text.parse()?),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_any_uuid_form_and_keeps_the_canonical_one() {
        let id: OfferId = "0193A7F0-0000-7000-8000-00000000000A".parse().unwrap();
        assert_eq!(id.as_str(), "0193a7f0-0000-7000-8000-00000000000a");
        let simple: OfferId = "0193a7f0000070008000000000000000a".parse().unwrap_or(id);
        assert_eq!(simple, id);
        assert!("not-a-uuid".parse::<OfferId>().is_err());
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"0193a7f0-0000-7000-8000-00000000000a\""
        );
    }

    #[test]
    fn only_the_canonical_form_is_copied_as_it_is() {
        let id = OfferId::generate();
        assert_eq!(canonical(id.as_str().as_bytes()), Some(id.text));
        assert_eq!(canonical(id.as_str().to_uppercase().as_bytes()), None);
        assert_eq!(canonical(&id.as_str().as_bytes()[..35]), None);
        assert_eq!(canonical(id.as_str().replace('-', "x").as_bytes()), None);
        // What is not canonical is read as the UUID it spells, or refused.
        let read: OfferId = id.as_str().to_uppercase().parse().unwrap();
        assert_eq!(read, id);
    }

    #[test]
    fn a_reserved_id_goes_to_the_next_object_of_its_kind_only() {
        // Comments are made by no other unit test, so nothing else takes these.
        reserve::<kind::Comment>("01937e4a-7b1c-7000-8000-0000000000c1");
        reserve::<kind::Comment>("01937e4a-7b1c-7000-8000-0000000000c2");
        assert_eq!(CommentId::generate().as_str(), "01937e4a-7b1c-7000-8000-0000000000c1");
        assert_eq!(CommentId::generate().as_str(), "01937e4a-7b1c-7000-8000-0000000000c2");
        let next = CommentId::generate();
        assert!(
            next.as_str() > "01937e4a-7b1c-7000-8000-0000000000c2",
            "then new ones again"
        );
        assert_ne!(next.as_str(), "01937e4a-7b1c-7000-8000-0000000000c1");
    }

    #[test]
    fn ids_order_as_they_were_made() {
        let a = UserId::generate();
        let b = UserId::generate();
        assert!(a < b);
        assert_eq!(a.uuid().to_string(), a.as_str());
    }
}
