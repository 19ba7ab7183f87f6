//! The OpenID Connect side of signing in: discovery, the authorization request (code flow with PKCE and a nonce), and the code exchanged for a checked ID token.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope, StandardErrorResponse, StandardTokenResponse, reqwest,
};
use serde::{Deserialize, Serialize};

use super::Settings;

/// How long the provider's discovery document and keys are used before they are read again...
const METADATA_FOR: Duration = Duration::from_secs(600);
/// ...and at a new sign-in, at most this old: a provider that went down is found out on this
/// server's page, not on a browser error at the provider's address (one small request per sign-in).
const METADATA_AT_SIGN_IN: Duration = Duration::from_secs(5);
/// How long a request to the provider may take before the sign-in is refused as "unreachable".
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Every claim of the ID token besides the standard ones (the role claim is one of them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: HashMap<String, serde_json::Value>,
}
impl AdditionalClaims for OtherClaims {}

type TokenResponse = StandardTokenResponse<
    IdTokenFields<OtherClaims, EmptyExtraTokenFields, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>,
    CoreTokenType,
>;
type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in did not work, each with what the page says.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Discovery, the keys or the token endpoint could not be reached or read.
    #[error("the sign-in provider could not be reached or read: {0}")]
    Unreachable(String),
    /// The provider answered, but what it sent does not hold up (signature, audience, nonce, expiry…).
    #[error("the provider's answer was refused: {0}")]
    Refused(String),
    /// The provider does not accept this server as its client (`invalid_client`,
    /// `unauthorized_client` at the token endpoint): the client id or secret is wrong.
    #[error("the provider does not accept this server's client id and secret: {0}")]
    NotClient(String),
}

/// What a sign-in started with and the callback must bring back: kept on the server, never in the browser.
pub struct Pending {
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    /// The page of this server to go back to.
    pub next: String,
    /// The desktop app this sign-in goes back to instead, with its own code (RFC 8252).
    pub app: Option<super::app::AppReturn>,
    pub at: Instant,
}

#[cfg(test)]
impl Pending {
    pub fn for_test() -> Pending {
        Pending {
            nonce: Nonce::new_random(),
            verifier: PkceCodeVerifier::new("v".repeat(43)),
            next: "/host".into(),
            app: None,
            at: Instant::now(),
        }
    }
}

/// Who signed in, as the checked ID token says.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    /// The e-mail address, else the user name, else the subject.
    pub name: String,
    /// The value of the configured role claim, if the token has it.
    pub role_claim: Option<serde_json::Value>,
}

/// The provider this server signs staff in with.
pub struct Provider {
    issuer: IssuerUrl,
    client_id: ClientId,
    secret: ClientSecret,
    redirect: RedirectUrl,
    role_claim: String,
    http: reqwest::Client,
    metadata: std::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
    /// Held while the discovery document is read again: one reading at a time.
    refreshing: tokio::sync::Mutex<()>,
}

impl Provider {
    /// The provider of `settings`, calling back to `redirect` (under the public address).
    pub fn new(settings: &Settings, redirect: String) -> Result<Provider, String> {
        let issuer = IssuerUrl::new(settings.issuer.clone()).map_err(|e| format!("--oidc-issuer {}: {e}", settings.issuer))?;
        let redirect = RedirectUrl::new(redirect.clone()).map_err(|e| format!("the sign-in's return address {redirect}: {e}"))?;
        // No redirects followed: a provider that sends the server elsewhere is refused, not followed.
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|e| format!("the HTTP client for the provider: {e}"))?;
        Ok(Provider {
            issuer,
            client_id: ClientId::new(settings.client_id.clone()),
            secret: ClientSecret::new(settings.client_secret.clone()),
            redirect,
            role_claim: settings.role_claim.clone(),
            http,
            metadata: std::sync::Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// Reads the provider's discovery document once at the start, so that a wrong or unreachable
    /// issuer is in the log before anyone tries to sign in.
    pub async fn check(&self) {
        match self.client(METADATA_AT_SIGN_IN).await {
            Ok(_) => tracing::info!(issuer = self.issuer(), "the sign-in provider answers"),
            Err(e) => {
                tracing::warn!(issuer = self.issuer(), error = %e, "the sign-in provider cannot be used now (unreachable, or not at this issuer address): nobody can sign in until it can")
            }
        }
    }

    /// The provider's discovery document and keys, read again when older than `max_age` (new signing keys).
    ///
    /// One reading at a time: while it runs, other sign-ins use the document there is (a slow
    /// provider does not line them all up), and wait only when there is none yet.
    async fn client(&self, max_age: Duration) -> Result<OidcClient, SignInError> {
        let metadata = match self.cached(max_age) {
            Some(m) => m,
            None => self.read_again(max_age).await?,
        };
        Ok(OidcClient::from_provider_metadata(metadata, self.client_id.clone(), Some(self.secret.clone()))
            .set_redirect_uri(self.redirect.clone()))
    }

    /// The document read at most `max_age` ago, if there is one.
    fn cached(&self, max_age: Duration) -> Option<CoreProviderMetadata> {
        let cached = self.metadata.lock().expect("provider metadata");
        cached.as_ref().filter(|(at, _)| at.elapsed() <= max_age).map(|(_, m)| m.clone())
    }

    /// Reads the document again, unless another sign-in is doing so: then the one there is (or,
    /// when there is none yet, what that reading brings).
    async fn read_again(&self, max_age: Duration) -> Result<CoreProviderMetadata, SignInError> {
        let _one = match self.refreshing.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.cached(Duration::MAX) {
                Some(m) => return Ok(m),
                None => self.refreshing.lock().await,
            },
        };
        if let Some(m) = self.cached(max_age) {
            return Ok(m);
        }
        let m =
            CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http).await.map_err(|e| SignInError::Unreachable(chain(&e)))?;
        *self.metadata.lock().expect("provider metadata") = Some((Instant::now(), m.clone()));
        Ok(m)
    }

    /// The provider's address to send the browser to, the `state` that comes back with it, and
    /// what the callback needs to finish.
    pub async fn begin(&self, next: String) -> Result<(String, String, Pending), SignInError> {
        let client = self.client(METADATA_AT_SIGN_IN).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(AuthenticationFlow::<CoreResponseType>::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((url.to_string(), state.secret().clone(), Pending { nonce, verifier, next, app: None, at: Instant::now() }))
    }

    /// Exchanges the callback's code for tokens and checks the ID token: its signature by the
    /// provider's keys, `iss`, `aud`, `exp` and the nonce this sign-in began with.
    pub async fn finish(&self, code: String, pending: Pending) -> Result<Identity, SignInError> {
        let client = self.client(METADATA_FOR).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| SignInError::Unreachable(chain(&e)))?
            .set_pkce_verifier(pending.verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    use openidconnect::core::CoreErrorResponseType as E;
                    match r.error() {
                        E::InvalidClient | E::UnauthorizedClient => SignInError::NotClient(format!("the token endpoint said {r}")),
                        _ => SignInError::Refused(format!("the token endpoint said {r}")),
                    }
                }
                other => SignInError::Unreachable(chain(&other)),
            })?;
        let token = tokens.extra_fields().id_token().ok_or_else(|| SignInError::Refused("no ID token".into()))?;
        let verifier = client.id_token_verifier();
        let claims = match token.claims(&verifier, &pending.nonce) {
            Ok(claims) => claims.clone(),
            // Keys rotate: a signature by a key not seen yet is checked once more with fresh keys.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let client = self.client(Duration::ZERO).await?;
                token.claims(&client.id_token_verifier(), &pending.nonce).map_err(|e| SignInError::Refused(chain(&e)))?.clone()
            }
            Err(e) => return Err(SignInError::Refused(chain(&e))),
        };
        let subject = claims.subject().as_str().to_owned();
        // What names the person (and what a session is shared by): an e-mail address only where
        // the provider vouches for it (`email_verified`; a user who can set their own address must
        // not receive a colleague's sessions by typing theirs), else the user name it manages.
        let name = claims
            .email()
            .filter(|_| claims.email_verified() == Some(true))
            .map(|e| e.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
            .unwrap_or_else(|| subject.clone());
        let role_claim = claims.additional_claims().claims.get(&self.role_claim).cloned();
        Ok(Identity { subject, name, role_claim })
    }
}

/// An error with its causes, as one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
