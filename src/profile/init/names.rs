//! Realistic values chosen by a column's name: `email` gets emails,
//! `city` cities, `lat` latitudes. Each choice says how long its text can
//! get, so a `varchar(n)` column only gets generators that fit.

/// A text generator (the inside of `{ ... }`) and the longest value it gives.
pub struct TextChoice {
    pub spec: String,
    pub max_len: u32,
    /// Distinct in every row when written with `unique = true`.
    pub can_be_unique: bool,
}

fn fake(kind: &str, max_len: u32) -> TextChoice {
    TextChoice {
        spec: format!("fake = \"{kind}\""),
        max_len,
        can_be_unique: matches!(kind, "username" | "email" | "safe_email"),
    }
}

/// Lower-cased name split into words (`firstName`, `first_name`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Tables whose `name` is a person's name.
const PEOPLE: [&str; 14] = [
    "user", "customer", "employee", "person", "people", "player", "author", "member", "student",
    "patient", "contact", "account", "staff", "client",
];

/// The text generator a column's name suggests, if any; `limit` is the
/// column's length limit (a `char(2)` country is a country code). The
/// steps are tried in order; the first that knows the name decides.
pub fn text_by_name(table: &str, column: &str, limit: Option<i64>) -> Option<TextChoice> {
    let n = Name::new(table, column, limit);
    person_by_name(&n)
        .or_else(|| link_by_name(&n))
        .or_else(|| place_by_name(&n))
        .or_else(|| work_by_name(&n))
        .or_else(|| (n.has("agent") && n.has("user")).then(|| fake("user_agent", 250)))
        .or_else(|| named_thing(&n))
        .or_else(|| prose_by_name(&n))
        .or_else(|| listed_by_name(&n))
}

/// A column's name as `text_by_name` reads it.
struct Name {
    /// The column name's lower-cased words.
    words: Vec<String>,
    /// The table's name without its schema, lower-cased.
    table: String,
    /// The column holds at most 3 characters.
    short: bool,
}

impl Name {
    fn new(table: &str, column: &str, limit: Option<i64>) -> Self {
        Name {
            words: words(column),
            table: table
                .rsplit('.')
                .next()
                .unwrap_or(table)
                .to_ascii_lowercase(),
            short: limit.is_some_and(|l| l <= 3),
        }
    }

    fn has(&self, word: &str) -> bool {
        self.words.iter().any(|x| x == word)
    }

    fn has_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.has(w))
    }

    fn last(&self) -> &str {
        self.words.last().map(String::as_str).unwrap_or("")
    }
}

/// Email, username, first and last name, phone.
fn person_by_name(n: &Name) -> Option<TextChoice> {
    Some(if n.has_any(&["email", "mail"]) {
        fake("email", 60)
    } else if n.has_any(&["username", "login", "handle", "nickname"]) {
        fake("username", 40)
    } else if (n.has("first") && n.last() == "name") || n.has_any(&["firstname", "given"]) {
        fake("first_name", 20)
    } else if (n.has("last") && n.last() == "name") || n.has_any(&["lastname", "surname", "family"])
    {
        fake("last_name", 20)
    } else if n.has_any(&["phone", "mobile", "tel", "fax"]) {
        fake("phone", 25)
    } else {
        return None;
    })
}

/// A web address under the table's name, or an IP address.
fn link_by_name(n: &Name) -> Option<TextChoice> {
    if n.has_any(&["url", "website", "homepage", "link", "uri"]) {
        Some(TextChoice {
            spec: format!(
                "template = \"https://example.com/{}/{{n}}\"",
                slug(&n.table)
            ),
            max_len: 40 + n.table.len() as u32,
            can_be_unique: true,
        })
    } else if n.has("ip") {
        Some(fake("ipv4", 15))
    } else {
        None
    }
}

/// Country (or its code), city, street, zip code.
fn place_by_name(n: &Name) -> Option<TextChoice> {
    Some(
        if n.has("country") && (n.has_any(&["code", "iso"]) || n.short) {
            fake("country_code", 2)
        } else if n.has("country") {
            fake("country", 60)
        } else if n.has_any(&["city", "town"]) {
            fake("city", 40)
        } else if n.has_any(&["street", "address"]) {
            fake("street", 60)
        } else if n.has_any(&["zip", "postcode", "postal"]) {
            fake("zip_code", 10)
        } else {
            return None;
        },
    )
}

/// Company, industry, job title.
fn work_by_name(n: &Name) -> Option<TextChoice> {
    Some(
        if n.has_any(&["company", "organization", "organisation", "employer"]) {
            fake("company", 60)
        } else if n.has("industry") {
            fake("industry", 60)
        } else if n.has_any(&["job", "occupation", "position"]) {
            fake("job_title", 60)
        } else {
            return None;
        },
    )
}

/// A `name` column: a person's in a table of people, a company's in a
/// table of companies, else a few words.
fn named_thing(n: &Name) -> Option<TextChoice> {
    let name = n.last() == "name";
    Some(
        if name && PEOPLE.iter().any(|p| n.table.contains(p)) || n.has("fullname") {
            fake("name", 41)
        } else if name && (n.table.contains("compan") || n.table.contains("org")) {
            fake("company", 60)
        } else if name {
            TextChoice {
                spec: "fake = { kind = \"words\", min = 1, max = 3 }".into(),
                max_len: 50,
                can_be_unique: false,
            }
        } else {
            return None;
        },
    )
}

/// A title (a sentence) or a description (paragraphs).
fn prose_by_name(n: &Name) -> Option<TextChoice> {
    if n.has_any(&["title", "subject", "headline", "summary"]) {
        Some(TextChoice {
            spec: "fake = { kind = \"sentence\", min = 3, max = 8 }".into(),
            max_len: 130,
            can_be_unique: false,
        })
    } else if n.has_any(&[
        "description",
        "body",
        "content",
        "bio",
        "notes",
        "note",
        "comment",
        "message",
        "text",
    ]) {
        Some(TextChoice {
            spec: "fake = { kind = \"paragraph\", min = 1, max = 3 }".into(),
            max_len: 2_000,
            can_be_unique: false,
        })
    } else {
        None
    }
}

/// A currency or a color, from a short list.
fn listed_by_name(n: &Name) -> Option<TextChoice> {
    if n.has("currency") {
        Some(TextChoice {
            spec: "choice = [\"USD\", \"EUR\", \"GBP\", \"JPY\"]".into(),
            max_len: 3,
            can_be_unique: false,
        })
    } else if n.has_any(&["color", "colour"]) {
        Some(TextChoice {
            spec: "choice = [\"red\", \"green\", \"blue\", \"black\", \"white\"]".into(),
            max_len: 5,
            can_be_unique: false,
        })
    } else {
        None
    }
}

/// The text generator for a column nothing else decided: a word, or short
/// letters for a tiny `varchar(n)`.
pub fn plain_text(max_len: Option<u32>) -> TextChoice {
    match max_len {
        Some(n) if n < 16 => {
            let values: Vec<String> = ["alpha", "beta", "gamma", "delta"]
                .iter()
                .map(|v| format!("\"{}\"", &v[..v.len().min(n as usize)]))
                .collect();
            TextChoice {
                spec: format!("choice = [{}]", values.join(", ")),
                max_len: n,
                can_be_unique: false,
            }
        }
        Some(n) if n < 50 => fake("word", 16),
        _ => TextChoice {
            spec: "fake = { kind = \"words\", min = 1, max = 3 }".into(),
            max_len: 50,
            can_be_unique: false,
        },
    }
}

/// Number ranges by name: (min, max) for an amount, a coordinate, an age.
pub fn number_by_name(column: &str) -> Option<(f64, f64, &'static str)> {
    let w = words(column);
    let has = |s: &str| w.iter().any(|x| x == s);
    Some(if has("lat") || has("latitude") {
        (-90.0, 90.0, "a latitude")
    } else if has("lon") || has("lng") || has("long") || has("longitude") {
        (-180.0, 180.0, "a longitude")
    } else if has("price")
        || has("amount")
        || has("cost")
        || has("total")
        || has("balance")
        || has("fee")
    {
        (1.0, 500.0, "an amount")
    } else if has("age") {
        (18.0, 90.0, "an age")
    } else if has("year") {
        (1990.0, 2026.0, "a year")
    } else if has("rating") || has("stars") || has("score") && has("review") {
        (1.0, 5.0, "a rating")
    } else if has("percent") || has("pct") || has("percentage") {
        (0.0, 100.0, "a percentage")
    } else if has("quantity") || has("qty") {
        (1.0, 10.0, "a quantity")
    } else {
        return None;
    })
}

/// A birth date rather than an event.
pub fn is_birth_date(column: &str) -> bool {
    let w = words(column);
    w.iter()
        .any(|x| x == "birth" || x == "birthday" || x == "dob" || x == "born")
}

/// A name usable inside a URL path: letters, digits and `-`.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_choose_realistic_text() {
        assert_eq!(
            text_by_name("customers", "email", None).unwrap().spec,
            "fake = \"email\""
        );
        assert_eq!(
            text_by_name("t", "firstName", None).unwrap().spec,
            "fake = \"first_name\""
        );
        assert_eq!(
            text_by_name("customers", "name", None).unwrap().spec,
            "fake = \"name\""
        );
        assert_eq!(
            text_by_name("companies", "name", None).unwrap().spec,
            "fake = \"company\""
        );
        assert_eq!(
            text_by_name("t", "country", Some(2)).unwrap().spec,
            "fake = \"country_code\""
        );
        assert!(text_by_name("t", "status", None).is_none());
        assert_eq!(number_by_name("lat").unwrap().0, -90.0);
        assert!(is_birth_date("date_of_birth"));
    }
}
