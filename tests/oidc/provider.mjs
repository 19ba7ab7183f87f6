// A real OpenID Connect provider (panva's certified oidc-provider) on loopback for the tests: one
// confidential client (the session server), and the users the test names with their groups. Its
// development login form takes any password; a login the test did not name has no groups.
//   OIDC_PORT=4000 OIDC_CLIENT='{"id":"dilemma","secret":"s","redirect":"http://127.0.0.1:7878/auth/callback"}'
//   OIDC_USERS='{"fien":{"email":"fien@gemeente.example","groups":["begeleiders"]}}' node provider.mjs
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const users = JSON.parse(process.env.OIDC_USERS || '{}');

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
  claims: { openid: ['sub'], email: ['email'], profile: ['preferred_username', 'groups'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const user = users[id] || {};
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: user.email || id + '@gemeente.example', preferred_username: id, groups: user.groups || [] };
      }
    };
  }
});
// Where each sign-in goes back to, so a test can come back with it a second time (a replay).
provider.use(async (ctx, next) => {
  await next();
  const to = ctx.response.get('location');
  if (to && to.startsWith(client.redirect)) console.log('callback ' + to);
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log('listening ' + port));
