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
/// column's length limit (a `char(2)` country is a country code).
pub fn text_by_name(table: &str, column: &str, limit: Option<i64>) -> Option<TextChoice> {
    let w = words(column);
    let short = limit.is_some_and(|l| l <= 3);
    let has = |s: &str| w.iter().any(|x| x == s);
    let last = w.last().map(String::as_str).unwrap_or("");
    let table = table
        .rsplit('.')
        .next()
        .unwrap_or(table)
        .to_ascii_lowercase();
    Some(if has("email") || has("mail") {
        fake("email", 60)
    } else if has("username") || has("login") || has("handle") || has("nickname") {
        fake("username", 40)
    } else if (has("first") && last == "name") || has("firstname") || has("given") {
        fake("first_name", 20)
    } else if (has("last") && last == "name") || has("lastname") || has("surname") || has("family")
    {
        fake("last_name", 20)
    } else if has("phone") || has("mobile") || has("tel") || has("fax") {
        fake("phone", 25)
    } else if has("url") || has("website") || has("homepage") || has("link") || has("uri") {
        TextChoice {
            spec: format!("template = \"https://example.com/{}/{{n}}\"", slug(&table)),
            max_len: 40 + table.len() as u32,
            can_be_unique: true,
        }
    } else if has("ip") {
        fake("ipv4", 15)
    } else if has("country") && (has("code") || has("iso") || short) {
        fake("country_code", 2)
    } else if has("country") {
        fake("country", 60)
    } else if has("city") || has("town") {
        fake("city", 40)
    } else if has("street") || has("address") {
        fake("street", 60)
    } else if has("zip") || has("postcode") || has("postal") {
        fake("zip_code", 10)
    } else if has("company") || has("organization") || has("organisation") || has("employer") {
        fake("company", 60)
    } else if has("industry") {
        fake("industry", 60)
    } else if has("job") || has("occupation") || has("position") {
        fake("job_title", 60)
    } else if has("agent") && has("user") {
        fake("user_agent", 250)
    } else if last == "name" && PEOPLE.iter().any(|p| table.contains(p)) || has("fullname") {
        fake("name", 41)
    } else if last == "name" && (table.contains("compan") || table.contains("org")) {
        fake("company", 60)
    } else if last == "name" {
        TextChoice {
            spec: "fake = { kind = \"words\", min = 1, max = 3 }".into(),
            max_len: 50,
            can_be_unique: false,
        }
    } else if has("title") || has("subject") || has("headline") || has("summary") {
        TextChoice {
            spec: "fake = { kind = \"sentence\", min = 3, max = 8 }".into(),
            max_len: 130,
            can_be_unique: false,
        }
    } else if has("description")
        || has("body")
        || has("content")
        || has("bio")
        || has("notes")
        || has("note")
        || has("comment")
        || has("message")
        || has("text")
    {
        TextChoice {
            spec: "fake = { kind = \"paragraph\", min = 1, max = 3 }".into(),
            max_len: 2_000,
            can_be_unique: false,
        }
    } else if has("currency") {
        TextChoice {
            spec: "choice = [\"USD\", \"EUR\", \"GBP\", \"JPY\"]".into(),
            max_len: 3,
            can_be_unique: false,
        }
    } else if has("color") || has("colour") {
        TextChoice {
            spec: "choice = [\"red\", \"green\", \"blue\", \"black\", \"white\"]".into(),
            max_len: 5,
            can_be_unique: false,
        }
    } else {
        return None;
    })
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
