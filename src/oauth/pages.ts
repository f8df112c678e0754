import { accountAssets } from '../http/account-routes.ts';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The sign-in page of an authorization request: the account page itself (same HTML, script and
 * styles; sign-in, and whatever else that page offers such as sign-up), told through `<meta>` tags
 * (no inline script: the page's CSP forbids it) which app is asking and the request's ticket.
 */
export async function authorizePage(appName: string, ticket: string, base: string, signup = 'open'): Promise<string> {
  // `%SIGNUP%`: whether the page offers sign-up (LATCHKEY_SIGNUP), filled in as `/account` fills it.
  const html = (await accountAssets()).html.replaceAll('%SIGNUP%', signup);
  const meta = `<meta name="latchkey-authorize" content="${escapeHtml(ticket)}">\n  <meta name="latchkey-app" content="${escapeHtml(appName)}">\n`;
  return html.replaceAll('%BASE%', escapeHtml(base)).replace(/<title>[^<]*<\/title>/, '<title>Sign in · latchkey</title>').replace('</head>', `  ${meta}</head>`);
}

/**
 * A short page in the account page's style, for what cannot go back to an app: an authorization
 * request with an unknown client or redirect URI, a refused logout redirect, or "you are signed out".
 */
export async function messagePage(title: string, message: string, warning: boolean, base: string): Promise<string> {
  const { css } = await accountAssets();
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>${escapeHtml(title)} · latchkey</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${escapeHtml(base)}/account/app.css?v=${css.hash}">
</head>
<body>
  <header class="bar"><div class="bar-inner"><p class="brand">latchkey</p></div></header>
  <main id="main">
    <section class="card narrow" aria-labelledby="message-title">
      <h1 id="message-title">${escapeHtml(title)}</h1>
      <p class="${warning ? 'error' : 'muted'}" id="message" role="${warning ? 'alert' : 'status'}">${escapeHtml(message)}</p>
    </section>
  </main>
</body>
</html>
`;
}
