//! Realistic text through the `fake` crate (English locale).
//!
//! The hot kinds (names, usernames, emails, words) pick straight from
//! `fake`'s locale tables into a reused buffer: no allocation per value,
//! which keeps a players row in the ~100 ns range. The rest call `fake`'s
//! fakers with the cell's RNG.
//!
//! Unique usernames and emails get the 1-based row number appended. The base
//! part is letters, `.` and `_` only, so the trailing digits are exactly the
//! row number and two rows can never produce the same value.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use fake::Fake;
use fake::locales::{Data, EN};

use super::rng::CellRng;
use super::value::Value;
use crate::profile::FakeKind;

type L = EN;

/// Name lists lower-cased to ASCII letters once ("O'Keefe" -> "okeefe"), so
/// a username costs two table lookups and a few byte copies.
static FIRST_LOWER: LazyLock<WordList> = LazyLock::new(|| WordList::lowered(L::NAME_FIRST_NAME));
static LAST_LOWER: LazyLock<WordList> = LazyLock::new(|| WordList::lowered(L::NAME_LAST_NAME));
static WORD_LOWER: LazyLock<WordList> = LazyLock::new(|| WordList::lowered(L::LOREM_WORD));

/// Words packed in one buffer (cache-friendly: the first names are ~20 KiB
/// of text instead of 3,000 separate heap strings).
struct WordList {
    text: String,
    /// `ends[i]` = end of word i in `text`; word i starts at `ends[i - 1]`.
    ends: Vec<u32>,
}

impl WordList {
    /// Lower-cased to ASCII letters ("O'Keefe" -> "okeefe"; "x" if none).
    fn lowered(words: &[&str]) -> WordList {
        let mut list = WordList {
            text: String::new(),
            ends: Vec::with_capacity(words.len()),
        };
        for word in words {
            let start = list.text.len();
            list.text.extend(
                word.bytes()
                    .filter(u8::is_ascii_alphabetic)
                    .map(|b| char::from(b.to_ascii_lowercase())),
            );
            if list.text.len() == start {
                list.text.push('x');
            }
            list.ends.push(list.text.len() as u32);
        }
        list
    }

    #[inline]
    fn pick(&self, rng: &mut CellRng) -> &str {
        let i = rng.below(self.ends.len() as u64) as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// Appends `n` in decimal, without the formatting machinery.
#[inline]
pub(crate) fn push_u64(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
}

pub(crate) fn fill(
    kind: FakeKind,
    min: u32,
    max: u32,
    unique_n: Option<u64>,
    rng: &mut CellRng,
    out: &mut Value,
) {
    if let Some(address) = inet(kind, rng) {
        *out = address;
        return;
    }
    let s = super::column::text_mut(out);
    match kind {
        FakeKind::FirstName => s.push_str(one(rng, L::NAME_FIRST_NAME)),
        FakeKind::LastName => s.push_str(one(rng, L::NAME_LAST_NAME)),
        FakeKind::Name => {
            s.push_str(one(rng, L::NAME_FIRST_NAME));
            s.push(' ');
            s.push_str(one(rng, L::NAME_LAST_NAME));
        }
        FakeKind::Username => {
            username(rng, unique_n.is_some(), s);
            push_suffix(s, unique_n);
        }
        FakeKind::Email => {
            username(rng, unique_n.is_some(), s);
            push_suffix(s, unique_n);
            s.push('@');
            s.push_str(one(rng, L::INTERNET_FREE_EMAIL_PROVIDER));
        }
        FakeKind::SafeEmail => {
            username(rng, unique_n.is_some(), s);
            push_suffix(s, unique_n);
            s.push_str("@example.");
            s.push_str(one(rng, &["com", "net", "org"]));
        }
        FakeKind::UserAgent => s.push_str(one(rng, L::INTERNET_USER_AGENT)),
        FakeKind::Word => s.push_str(one(rng, L::LOREM_WORD)),
        FakeKind::Words => {
            let n = count(rng, min, max);
            words(rng, n, s);
        }
        FakeKind::Sentence => {
            let n = count(rng, min, max);
            sentence(rng, n, s);
        }
        FakeKind::Paragraph => {
            for i in 0..count(rng, min, max) {
                if i > 0 {
                    s.push(' ');
                }
                let n = count(rng, 4, 12);
                sentence(rng, n, s);
            }
        }
        FakeKind::DomainSuffix => s.push_str(one(rng, L::INTERNET_DOMAIN_SUFFIX)),
        FakeKind::MacAddress => mac_address(rng, s),
        FakeKind::Industry => s.push_str(one(rng, L::COMPANY_INDUSTRY)),
        FakeKind::Company
        | FakeKind::Buzzword
        | FakeKind::CatchPhrase
        | FakeKind::JobTitle
        | FakeKind::City
        | FakeKind::Country
        | FakeKind::CountryCode
        | FakeKind::Street
        | FakeKind::ZipCode
        | FakeKind::Phone => push_from_fake_crate(kind, rng, s),
        FakeKind::Ipv4 | FakeKind::Ipv6 => unreachable!("handled above"),
    }
}

/// An address for the `ipv4` and `ipv6` kinds (None for the text kinds).
fn inet(kind: FakeKind, rng: &mut CellRng) -> Option<Value> {
    match kind {
        FakeKind::Ipv4 => {
            // Public-looking addresses: first octet 1..=223, never 0 or multicast.
            let first = 1 + rng.below(223) as u32;
            let rest = (rng.next() >> 40) as u32;
            Some(Value::Inet(IpAddr::V4(Ipv4Addr::from(
                (first << 24) | rest,
            ))))
        }
        FakeKind::Ipv6 => {
            let bits = (u128::from(rng.next()) << 64) | u128::from(rng.next());
            // 2000::/3, global unicast.
            let bits = (bits & !(0b111u128 << 125)) | (0b001u128 << 125);
            Some(Value::Inet(IpAddr::V6(Ipv6Addr::from(bits))))
        }
        _ => None,
    }
}

/// The kinds the `fake` crate builds from several lists (company names,
/// addresses, phone numbers).
fn push_from_fake_crate(kind: FakeKind, rng: &mut CellRng, s: &mut String) {
    match kind {
        FakeKind::Company => {
            s.push_str(&fake::faker::company::en::CompanyName().fake_with_rng::<String, _>(rng))
        }
        FakeKind::Buzzword => {
            s.push_str(&fake::faker::company::en::Buzzword().fake_with_rng::<String, _>(rng))
        }
        FakeKind::CatchPhrase => {
            s.push_str(&fake::faker::company::en::CatchPhrase().fake_with_rng::<String, _>(rng))
        }
        FakeKind::JobTitle => {
            s.push_str(&fake::faker::job::en::Title().fake_with_rng::<String, _>(rng))
        }
        FakeKind::City => {
            s.push_str(&fake::faker::address::en::CityName().fake_with_rng::<String, _>(rng))
        }
        FakeKind::Country => {
            s.push_str(&fake::faker::address::en::CountryName().fake_with_rng::<String, _>(rng))
        }
        FakeKind::CountryCode => {
            s.push_str(&fake::faker::address::en::CountryCode().fake_with_rng::<String, _>(rng))
        }
        FakeKind::Street => {
            s.push_str(&fake::faker::address::en::StreetName().fake_with_rng::<String, _>(rng))
        }
        FakeKind::ZipCode => {
            s.push_str(&fake::faker::address::en::ZipCode().fake_with_rng::<String, _>(rng))
        }
        FakeKind::Phone => s.push_str(
            &fake::faker::phone_number::en::PhoneNumber().fake_with_rng::<String, _>(rng),
        ),
        _ => unreachable!("only the fake crate's kinds come here"),
    }
}

/// A locally administered unicast MAC address (`02:..`), lower-case hex.
fn mac_address(rng: &mut CellRng, s: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bits = rng.next();
    let mut bytes = bits.to_be_bytes();
    bytes[2] = (bytes[2] & 0xFC) | 0x02;
    for (i, b) in bytes[2..].iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xF)]));
    }
}

/// One entry of a word list.
#[inline]
fn one(rng: &mut CellRng, items: &[&'static str]) -> &'static str {
    items[rng.below(items.len() as u64) as usize]
}

fn count(rng: &mut CellRng, min: u32, max: u32) -> u32 {
    min + rng.below(u64::from(max - min) + 1) as u32
}

fn push_suffix(s: &mut String, unique_n: Option<u64>) {
    if let Some(n) = unique_n {
        push_u64(s, n);
    }
}

/// A username like `amy.hane`, `amy_hane`, `ahane`, `amyhane`, `quia_amy`
/// or (when not unique) `amy42`. Letters, `.` and `_` only when `unique`.
fn username(rng: &mut CellRng, unique: bool, s: &mut String) {
    let first = FIRST_LOWER.pick(rng);
    let last = LAST_LOWER.pick(rng);
    let pattern = rng.below(if unique { 5 } else { 6 });
    match pattern {
        0 => {
            s.push_str(first);
            s.push('.');
            s.push_str(last);
        }
        1 => {
            s.push_str(first);
            s.push('_');
            s.push_str(last);
        }
        2 => {
            s.push_str(&first[..1]);
            s.push_str(last);
        }
        3 => {
            s.push_str(first);
            s.push_str(last);
        }
        4 => {
            s.push_str(WORD_LOWER.pick(rng));
            s.push('_');
            s.push_str(first);
        }
        _ => {
            s.push_str(first);
            push_u64(s, rng.below(100));
        }
    }
}

fn words(rng: &mut CellRng, n: u32, s: &mut String) {
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(one(rng, L::LOREM_WORD));
    }
}

fn sentence(rng: &mut CellRng, n: u32, s: &mut String) {
    let start = s.len();
    words(rng, n, s);
    if let Some(first) = s[start..].chars().next() {
        let upper = first.to_ascii_uppercase();
        s.replace_range(
            start..start + first.len_utf8(),
            upper.encode_utf8(&mut [0; 4]),
        );
    }
    s.push('.');
}

/// The longest text (in characters) a kind can give, before a unique
/// row-number suffix; `None` for the kinds the `fake` crate assembles
/// (companies, addresses, phones), whose length seedkit does not bound.
pub(crate) fn max_len(kind: FakeKind, min: u32, max: u32) -> Option<usize> {
    let longest = |items: &[&str]| items.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let word = longest(L::LOREM_WORD);
    let first = longest(L::NAME_FIRST_NAME);
    let last = longest(L::NAME_LAST_NAME);
    // username(): first.last, first_last, flast, firstlast, word_first, first42.
    let username = (first + 1 + last).max(word + 1 + first).max(first + 2);
    let words = |n: u32| n as usize * word + (n as usize).saturating_sub(1);
    Some(match kind {
        FakeKind::FirstName => first,
        FakeKind::LastName => last,
        FakeKind::Name => first + 1 + last,
        FakeKind::Username => username,
        FakeKind::Email => username + 1 + longest(L::INTERNET_FREE_EMAIL_PROVIDER),
        FakeKind::SafeEmail => username + "@example.com".len(),
        FakeKind::UserAgent => longest(L::INTERNET_USER_AGENT),
        FakeKind::Word => word,
        FakeKind::Words => words(max),
        FakeKind::Sentence => words(max) + 1,
        FakeKind::Paragraph => max as usize * (words(12) + 2),
        FakeKind::DomainSuffix => longest(L::INTERNET_DOMAIN_SUFFIX),
        FakeKind::Industry => longest(L::COMPANY_INDUSTRY),
        FakeKind::MacAddress => 17,
        FakeKind::CountryCode => 2,
        _ => {
            let _ = min;
            return None;
        }
    })
}
