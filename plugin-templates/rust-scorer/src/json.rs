//! A small strict JSON reader (no crates): enough to read cases and outputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> { if let Json::Str(s) = self { Some(s) } else { None } }
    pub fn as_array(&self) -> Option<&Vec<Json>> { if let Json::Array(a) = self { Some(a) } else { None } }
}

pub fn parse(bytes: &[u8]) -> Result<Json, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
    let value = p.value()?;
    p.ws();
    if p.i != p.s.len() { return Err(format!("unexpected byte at {}", p.i)); }
    Ok(value)
}

struct Parser<'a> { s: &'a [u8], i: usize, depth: usize }

impl<'a> Parser<'a> {
    fn ws(&mut self) { while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\n' | b'\r' | b'\t') { self.i += 1; } }
    fn peek(&self) -> Option<u8> { self.s.get(self.i).copied() }
    fn expect(&mut self, word: &str) -> Result<(), String> {
        if self.s[self.i..].starts_with(word.as_bytes()) { self.i += word.len(); Ok(()) } else { Err(format!("expected {} at {}", word, self.i)) }
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        self.depth += 1;
        if self.depth > 64 { return Err("nested too deeply".into()); }
        let v = match self.peek() {
            Some(b'n') => { self.expect("null")?; Json::Null }
            Some(b't') => { self.expect("true")?; Json::Bool(true) }
            Some(b'f') => { self.expect("false")?; Json::Bool(false) }
            Some(b'"') => Json::Str(self.string()?),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') { self.i += 1; } else {
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.peek() { Some(b',') => self.i += 1, Some(b']') => { self.i += 1; break; } _ => return Err(format!("expected , or ] at {}", self.i)) }
                    }
                }
                Json::Array(items)
            }
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') { self.i += 1; } else {
                    loop {
                        self.ws();
                        let key = self.string()?;
                        self.ws();
                        if self.peek() != Some(b':') { return Err(format!("expected : at {}", self.i)); }
                        self.i += 1;
                        members.push((key, self.value()?));
                        self.ws();
                        match self.peek() { Some(b',') => self.i += 1, Some(b'}') => { self.i += 1; break; } _ => return Err(format!("expected , or }} at {}", self.i)) }
                    }
                }
                Json::Object(members)
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.s.len() && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') { self.i += 1; }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                Json::Number(text.parse().map_err(|_| format!("bad number {}", text))?)
            }
            _ => return Err(format!("unexpected input at {}", self.i)),
        };
        self.depth -= 1;
        Ok(v)
    }
    fn string(&mut self) -> Result<String, String> {
        if self.peek() != Some(b'"') { return Err(format!("expected a string at {}", self.i)); }
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.s.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or("unterminated escape")?;
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'), b'\\' => out.push(b'\\'), b'/' => out.push(b'/'),
                        b'b' => out.push(8), b'f' => out.push(12), b'n' => out.push(b'\n'), b'r' => out.push(b'\r'), b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = std::str::from_utf8(self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?).map_err(|_| "bad escape")?;
                            let mut code = u32::from_str_radix(hex, 16).map_err(|_| "bad \\u escape")?;
                            self.i += 4;
                            if (0xD800..0xDC00).contains(&code) && self.s.get(self.i..self.i + 2) == Some(b"\\u") {
                                let low = std::str::from_utf8(self.s.get(self.i + 2..self.i + 6).ok_or("short surrogate")?).map_err(|_| "bad escape")?;
                                let low = u32::from_str_radix(low, 16).map_err(|_| "bad surrogate")?;
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                self.i += 6;
                            }
                            let ch = char::from_u32(code).ok_or("bad code point")?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err("bad escape".into()),
                    }
                }
                c if c < 0x20 => return Err("control character in string".into()),
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| "bad UTF-8 in string".into())
    }
}
