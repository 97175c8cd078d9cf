//! The vocabulary of personal data: words in a column name (or a domain's,
//! an enum's or a JSON key's name) that suggest what the column holds. The
//! detector ([`super::detect`]) matches names against [`PII_HINTS`]; a
//! column that matches and has no rule in the project's `et-testdb.toml`
//! fails extraction. It is the engine's, not a project's: it knows English
//! names of personal data, never a particular schema.

use super::detect::Kind;

/// How a hint matches the words of a name (see [`super::detect::split_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The whole word, or its plural (`note`, `notes`; `city`, `cities`).
    /// A hint with a space is a phrase: consecutive words or their
    /// concatenation (`national id`: national_id, NationalID, nationalid).
    Word,
    /// Anywhere inside a word, for distinctive stems (`phone` in
    /// `telephone`, `mail` in `eMail` and `emailaddress`).
    Part,
    /// At the end of a word (`name` in `surname`, `username`, `filename`).
    Suffix,
}

/// One hint: a word and what it suggests the column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub word: &'static str,
    pub how: Match,
    pub kind: Kind,
}

const fn word(word: &'static str, kind: Kind) -> Hint {
    Hint {
        word,
        how: Match::Word,
        kind,
    }
}

const fn part(word: &'static str, kind: Kind) -> Hint {
    Hint {
        word,
        how: Match::Part,
        kind,
    }
}

const fn suffix(word: &'static str, kind: Kind) -> Hint {
    Hint {
        word,
        how: Match::Suffix,
        kind,
    }
}

/// Words in a column name (or a domain's or enum's name, or a JSON key) that
/// suggest personal data, secrets, free text or links. A column whose name
/// matches one, for a kind its type can hold, and that has no rule fails
/// extraction. Short or common words match only as whole words (`ip`, `tel`,
/// `age`, `lat`); distinctive stems match inside words. False positives are
/// cheap (a `Keep` line); a leak is not.
///
/// Deliberately absent: `state`, `home`, `user`, `position`, `subject`,
/// `session`, `type`, `extra`, `misc`, `log`, `ref` (too common to mean
/// anything alone; text and JSON columns named so are still value-scanned).
pub const PII_HINTS: &[Hint] = &[
    // a person's name or login
    suffix("name", Kind::PersonName), // name, surname, fullname, username, nickname, filename
    word("login", Kind::PersonName),
    word("handle", Kind::PersonName),
    word("alias", Kind::PersonName),
    word("nick", Kind::PersonName),
    word("initials", Kind::PersonName),
    word("maiden", Kind::PersonName),
    word("author", Kind::PersonName),
    word("person", Kind::PersonName),
    // email
    part("email", Kind::Email),
    part("mail", Kind::Email),
    // phone and messengers
    part("phone", Kind::Phone), // phone, telephone, cellphone, PhoneNumber
    word("tel", Kind::Phone),
    part("mobile", Kind::Phone),
    word("cell", Kind::Phone),
    word("fax", Kind::Phone),
    part("whatsapp", Kind::Phone),
    part("telegram", Kind::Phone),
    part("skype", Kind::Phone),
    word("signal", Kind::Phone),
    part("viber", Kind::Phone),
    part("wechat", Kind::Phone),
    part("msisdn", Kind::Phone),
    word("sms", Kind::Phone),
    part("landline", Kind::Phone),
    word("contact", Kind::Contact),
    // postal address
    part("addr", Kind::Address), // addr, address, homeAddr, emailaddress
    part("street", Kind::Address),
    word("city", Kind::Address),
    word("town", Kind::Address),
    word("zip", Kind::Address),
    part("zipcode", Kind::Address),
    part("postal", Kind::Address),
    part("postcode", Kind::Address),
    word("country", Kind::Address),
    word("province", Kind::Address),
    word("district", Kind::Address),
    part("residence", Kind::Address),
    part("apartment", Kind::Address),
    part("neighborhood", Kind::Address),
    part("neighbourhood", Kind::Address),
    // birth and age
    part("birth", Kind::Birth), // birth, birthday, birthdate, date_of_birth
    word("dob", Kind::Birth),
    word("born", Kind::Birth),
    word("bday", Kind::Birth),
    word("age", Kind::Birth),
    // identity documents, tax, bank and card numbers
    word("national id", Kind::Identity),
    part("nationalid", Kind::Identity),
    word("national", Kind::Identity),
    word("identity", Kind::Identity),
    word("id number", Kind::Identity),
    word("id card", Kind::Identity),
    word("ssn", Kind::Identity),
    word("sin", Kind::Identity),
    word("nin", Kind::Identity),
    word("nid", Kind::Identity),
    word("tin", Kind::Identity),
    word("tax", Kind::Identity),
    word("taxid", Kind::Identity),
    word("vat", Kind::Identity),
    part("passport", Kind::Identity),
    part("license", Kind::Identity),
    part("licence", Kind::Identity),
    word("visa", Kind::Identity),
    part("iban", Kind::Identity),
    word("bic", Kind::Identity),
    word("swift", Kind::Identity),
    word("bank", Kind::Identity),
    word("routing", Kind::Identity),
    part("sortcode", Kind::Identity),
    part("account", Kind::Identity),
    word("card", Kind::Identity),
    part("cardnum", Kind::Identity),
    part("creditcard", Kind::Identity),
    word("cvv", Kind::Identity),
    word("cvc", Kind::Identity),
    word("social security", Kind::Identity),
    // network and device
    word("ip", Kind::Network),
    word("ipv", Kind::Network), // ipv4, ipv6 split as ipv + digits
    part("ipaddr", Kind::Network),
    word("mac", Kind::Network),
    part("macaddr", Kind::Network),
    word("imei", Kind::Network),
    word("udid", Kind::Network),
    word("device", Kind::Network),
    word("agent", Kind::Network), // user_agent
    part("useragent", Kind::Network),
    part("fingerprint", Kind::Network),
    // sensitive categories
    part("gender", Kind::Sensitive),
    word("sex", Kind::Sensitive),
    part("ethnic", Kind::Sensitive),
    word("race", Kind::Sensitive),
    part("religion", Kind::Sensitive),
    part("nationality", Kind::Sensitive),
    part("marital", Kind::Sensitive),
    part("medical", Kind::Sensitive),
    part("health", Kind::Sensitive),
    part("diagnos", Kind::Sensitive),
    part("allerg", Kind::Sensitive),
    part("disability", Kind::Sensitive),
    word("blood", Kind::Sensitive),
    // location
    word("lat", Kind::Location),
    word("lng", Kind::Location),
    word("lon", Kind::Location),
    part("latitude", Kind::Location),
    part("longitude", Kind::Location),
    part("location", Kind::Location),
    word("geo", Kind::Location),
    word("geom", Kind::Location),
    word("geog", Kind::Location),
    word("gps", Kind::Location),
    word("coords", Kind::Location),
    part("coordinate", Kind::Location),
    word("place", Kind::Location),
    // income
    part("salary", Kind::Money),
    part("income", Kind::Money),
    word("wage", Kind::Money),
    // secrets
    part("password", Kind::Secret),
    part("passwd", Kind::Secret),
    part("passphrase", Kind::Secret),
    word("pass", Kind::Secret),
    word("pwd", Kind::Secret),
    word("pin", Kind::Secret),
    part("secret", Kind::Secret),
    part("token", Kind::Secret),
    word("hash", Kind::Secret),
    word("salt", Kind::Secret),
    word("key", Kind::Secret),
    part("apikey", Kind::Secret),
    word("otp", Kind::Secret),
    word("totp", Kind::Secret),
    word("mfa", Kind::Secret),
    part("credential", Kind::Secret),
    word("auth", Kind::Secret),
    part("cookie", Kind::Secret),
    word("nonce", Kind::Secret),
    word("jwt", Kind::Secret),
    word("bearer", Kind::Secret),
    // social media
    word("social", Kind::Social),
    part("facebook", Kind::Social),
    part("twitter", Kind::Social),
    part("instagram", Kind::Social),
    part("linkedin", Kind::Social),
    part("tiktok", Kind::Social),
    // photos, images, files
    part("photo", Kind::Photo),
    part("picture", Kind::Photo),
    word("pic", Kind::Photo),
    part("avatar", Kind::Photo),
    part("image", Kind::Photo),
    word("img", Kind::Photo),
    part("selfie", Kind::Photo),
    part("thumbnail", Kind::Photo),
    part("portrait", Kind::Photo),
    part("headshot", Kind::Photo),
    part("signature", Kind::Photo),
    word("scan", Kind::Photo),
    part("attachment", Kind::Photo),
    word("file", Kind::Photo),
    word("document", Kind::Photo),
    word("doc", Kind::Photo),
    // links
    word("url", Kind::Link),
    word("uri", Kind::Link),
    word("link", Kind::Link),
    word("href", Kind::Link),
    part("website", Kind::Link),
    part("homepage", Kind::Link),
    word("web", Kind::Link),
    word("site", Kind::Link),
    // free text
    word("bio", Kind::FreeText),
    part("biography", Kind::FreeText),
    word("about", Kind::FreeText),
    word("profile", Kind::FreeText),
    part("descr", Kind::FreeText), // descr, description
    word("desc", Kind::FreeText),
    part("comment", Kind::FreeText),
    word("note", Kind::FreeText),
    word("memo", Kind::FreeText),
    part("message", Kind::FreeText),
    word("msg", Kind::FreeText),
    word("text", Kind::FreeText),
    word("body", Kind::FreeText),
    word("content", Kind::FreeText),
    part("remark", Kind::FreeText),
    part("feedback", Kind::FreeText),
    word("review", Kind::FreeText),
    word("summary", Kind::FreeText),
    word("reason", Kind::FreeText),
    word("detail", Kind::FreeText),
    word("details", Kind::FreeText),
    word("info", Kind::FreeText),
    word("caption", Kind::FreeText),
    word("title", Kind::FreeText),
    word("chat", Kind::FreeText),
    // unstructured data
    word("data", Kind::Blob),
    word("payload", Kind::Blob),
    word("metadata", Kind::Blob),
    word("meta", Kind::Blob),
    word("raw", Kind::Blob),
    word("blob", Kind::Blob),
    word("json", Kind::Blob),
    word("dump", Kind::Blob),
];
