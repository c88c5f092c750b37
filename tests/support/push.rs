//! A stand-in for the browser vendors' push services (which no machine here can reach). Like a real
//! one it refuses a request whose VAPID JWT does not verify (ES256 over the key in `k`, `aud` = our
//! origin with the port, `exp` within 24 h, a `sub` contact) and it decrypts the aes128gcm payload
//! with the subscription's private key — so a test sees exactly what a tablet would get.
//!
//! Endpoints: `POST /push/{mode}/{name}` where mode is `ok` (201), `gone` (410) or `fail` (500).
//! `GET /received` lists what arrived (for the browser stories).

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use serde::Serialize;
use serde_json::{Value, json};

/// One message as the push service saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Received {
    pub mode: String,
    pub name: String,
    /// The decrypted payload (JSON), when the keys were known and it decrypted.
    pub payload: Option<Value>,
    /// The VAPID public key that signed it.
    pub vapid_key: String,
    pub urgency: String,
}

/// A subscription made by a test: its keys and endpoint.
#[derive(Clone)]
pub struct TestSubscription {
    pub name: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    private: Vec<u8>,
    public: Vec<u8>,
}

impl TestSubscription {
    /// The body of `POST /api/push/subscriptions`.
    pub fn json(&self) -> Value {
        json!({"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}, "expirationTime": null})
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Requests refused for a bad VAPID signature or undecryptable payload.
    refused: Vec<String>,
    keys: Vec<TestSubscription>,
}

#[derive(Clone)]
pub struct PushReceiver {
    pub origin: String,
    inner: Arc<Mutex<Inner>>,
    _handle: actix_web::dev::ServerHandle,
}

impl PushReceiver {
    pub async fn start() -> PushReceiver {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> PushReceiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let data = web::Data::new(inner.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024))
                .route("/push/{mode}/{name}", web::post().to(receive))
                .route("/received", web::get().to(list))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .expect("bind the push receiver");
        let origin = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        PushReceiver {
            origin,
            inner,
            _handle: handle,
        }
    }

    /// A new subscription (fresh P-256 keys and auth secret) whose endpoint answers as `mode`.
    pub fn subscription(&self, mode: &str, name: &str) -> TestSubscription {
        let (pair, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        let c = pair.raw_components().unwrap();
        let s = TestSubscription {
            name: name.into(),
            endpoint: format!("{}/push/{mode}/{name}", self.origin),
            p256dh: B64.encode(c.public_key()),
            auth: B64.encode(auth),
            private: c.private_key().to_vec(),
            public: c.public_key().to_vec(),
        };
        self.inner.lock().unwrap().keys.push(s.clone());
        s
    }

    /// Knows the keys of `other`'s subscriptions too (a receiver restarted on another port).
    pub fn adopt(&self, other: &PushReceiver) {
        let keys = other.inner.lock().unwrap().keys.clone();
        self.inner.lock().unwrap().keys.extend(keys);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    pub fn received_by(&self, name: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.name == name)
            .collect()
    }

    pub fn refused(&self) -> Vec<String> {
        self.inner.lock().unwrap().refused.clone()
    }

    /// Waits until `f` holds for what was received (20 s at most).
    pub async fn wait(&self, what: &str, f: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..200 {
            let r = self.received();
            if f(&r) {
                return r;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "push receiver: timed out waiting for {what}; got {:?}, refused {:?}",
            self.received(),
            self.refused()
        );
    }
}

async fn list(inner: web::Data<Arc<Mutex<Inner>>>) -> HttpResponse {
    HttpResponse::Ok().json(&inner.lock().unwrap().received)
}

async fn receive(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    inner: web::Data<Arc<Mutex<Inner>>>,
) -> HttpResponse {
    let (mode, name) = path.into_inner();
    let origin = format!(
        "http://{}",
        req.headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
    );
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let vapid_key = match verify_vapid(&header("authorization"), &origin) {
        Ok(k) => k,
        Err(why) => {
            inner.lock().unwrap().refused.push(format!("{name}: {why}"));
            return HttpResponse::Unauthorized().body(why);
        }
    };
    if header("content-encoding") != "aes128gcm" || header("ttl").is_empty() {
        inner
            .lock()
            .unwrap()
            .refused
            .push(format!("{name}: headers"));
        return HttpResponse::BadRequest().finish();
    }
    let mut g = inner.lock().unwrap();
    let payload = g.keys.iter().find(|k| k.name == name).map(|k| {
        let components = ece::EcKeyComponents::new(k.private.clone(), k.public.clone());
        let plain = ece::decrypt(&components, &B64.decode(&k.auth).unwrap(), &body)
            .expect("payload decrypts with the subscription's keys");
        serde_json::from_slice(&plain).expect("payload is JSON")
    });
    g.received.push(Received {
        mode: mode.clone(),
        name,
        payload,
        vapid_key,
        urgency: header("urgency"),
    });
    match mode.as_str() {
        "gone" => HttpResponse::Gone().finish(),
        // A push service that redirects (here to this receiver again, under another name): a
        // sender that follows it re-posts the payload wherever the Location says.
        "redirect" => HttpResponse::TemporaryRedirect()
            .insert_header(("Location", format!("{origin}/push/ok/followed")))
            .finish(),
        "fail" => HttpResponse::InternalServerError().finish(),
        _ => HttpResponse::Created().finish(),
    }
}

/// Checks `vapid t=<jwt>, k=<key>` as a push service does; the signing key on success.
fn verify_vapid(auth: &str, origin: &str) -> Result<String, String> {
    let rest = auth.strip_prefix("vapid ").ok_or("not vapid")?;
    let mut t = "";
    let mut k = "";
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("t=") {
            t = v;
        } else if let Some(v) = part.strip_prefix("k=") {
            k = v;
        }
    }
    let pieces: Vec<&str> = t.split('.').collect();
    if pieces.len() != 3 {
        return Err("jwt shape".into());
    }
    let head: Value =
        serde_json::from_slice(&B64.decode(pieces[0]).map_err(|_| "b64")?).map_err(|_| "json")?;
    if head["alg"] != "ES256" {
        return Err("alg".into());
    }
    let claims: Value =
        serde_json::from_slice(&B64.decode(pieces[1]).map_err(|_| "b64")?).map_err(|_| "json")?;
    if claims["aud"] != origin {
        return Err(format!("aud {} != {origin}", claims["aud"]));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let exp = claims["exp"].as_i64().ok_or("exp")?;
    if exp <= now || exp > now + 24 * 3600 + 60 {
        return Err("exp".into());
    }
    let sub = claims["sub"].as_str().unwrap_or("");
    if !(sub.starts_with("mailto:") || sub.starts_with("https:")) {
        return Err("sub".into());
    }
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let key_bytes = B64.decode(k).map_err(|_| "k b64")?;
    let point = EcPoint::from_bytes(&group, &key_bytes, &mut ctx).map_err(|_| "k point")?;
    let key = EcKey::from_public_key(&group, &point).map_err(|_| "k key")?;
    let sig = B64.decode(pieces[2]).map_err(|_| "sig b64")?;
    if sig.len() != 64 {
        return Err("sig len".into());
    }
    let sig = EcdsaSig::from_private_components(
        BigNum::from_slice(&sig[..32]).unwrap(),
        BigNum::from_slice(&sig[32..]).unwrap(),
    )
    .unwrap();
    let digest = openssl::sha::sha256(format!("{}.{}", pieces[0], pieces[1]).as_bytes());
    if !sig.verify(&digest, &key).map_err(|_| "verify")? {
        return Err("signature".into());
    }
    Ok(k.to_string())
}
