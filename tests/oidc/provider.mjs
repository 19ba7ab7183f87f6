// A real OpenID Connect provider (panva's certified oidc-provider) on loopback for the tests: one
// confidential client (the session server), and the users the test names with their groups. Its
// development login form takes any password; a login the test did not name has no groups. It signs
// with a key made at start; when the file OIDC_TAMPER_FILE says `signature` or `audience`, the ID
// token it hands out has one byte of its signature changed, or is signed (with its own key) for
// another client: what a forged or misdirected token looks like to the server. Install it first
// with `npm ci --prefix tests/oidc` (./test.sh does), then, in tests/oidc:
//   OIDC_PORT=4000 OIDC_CLIENT='{"id":"dilemma","secret":"s","redirect":"http://127.0.0.1:7878/auth/callback"}'
//   OIDC_USERS='{"fien":{"email":"fien@gemeente.example","groups":["begeleiders"]}}' node provider.mjs
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { readFileSync } from 'node:fs';

const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const users = JSON.parse(process.env.OIDC_USERS || '{}');
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = Object.assign(await exportJWK(privateKey), { kid: 'test-key', use: 'sig', alg: 'RS256' });
const tamper = () => { try { return readFileSync(process.env.OIDC_TAMPER_FILE || '', 'utf8').trim(); } catch (e) { return ''; } };

const provider = new Provider('http://127.0.0.1:' + port, {
  clients: [{
    client_id: client.id,
    client_secret: client.secret,
    redirect_uris: [client.redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic'
  }],
  // The user's groups in the ID token itself, as Entra ID and Keycloak put them there.
  conformIdTokenClaims: false,
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'groups'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const user = users[id] || {};
    return {
      accountId: id,
      async claims() {
        // An address the provider vouches for, unless the test's user says otherwise (one who typed a colleague's).
        const verified = user.email_verified !== false;
        return { sub: id, email: user.email || id + '@gemeente.example', email_verified: verified, preferred_username: id, groups: user.groups || [] };
      }
    };
  }
});
// Where each sign-in goes back to, so a test can come back with it a second time (a replay), and
// the ID token changed on its way out when the test asks for that.
provider.use(async (ctx, next) => {
  await next();
  const to = ctx.response.get('location');
  if (to && to.startsWith(client.redirect)) console.log('callback ' + to);
  const body = ctx.body;
  if (ctx.path !== '/token' || !body || typeof body.id_token !== 'string') return;
  const mode = tamper();
  const token = body.id_token;
  if (mode === 'signature') {
    const i = token.length - 2;
    body.id_token = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
  } else if (mode === 'audience') {
    const claims = Object.assign(decodeJwt(token), { aud: 'een-andere-app' });
    body.id_token = await new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(token)).sign(privateKey);
  }
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log('listening ' + port));
