// Signs in with latchkey/client and shows who is signed in. The refresh token stays in latchkey's
// HttpOnly cookie; the page only ever holds the short-lived access token, in memory.
import { AuthError, createAuthClient } from 'latchkey/client';

/** latchkey's address: `?latchkey=` in the page URL, else the page's own origin. */
const baseUrl = new URLSearchParams(location.search).get('latchkey') ?? location.origin;
const auth = createAuthClient({ baseUrl });

const form = document.querySelector('#sign-in');
const status = document.querySelector('#status');
const signOut = document.querySelector('#sign-out');

function show() {
  status.textContent = auth.signedIn ? `Signed in as ${auth.user?.email}` : 'Signed out';
  form.hidden = auth.signedIn;
  signOut.hidden = !auth.signedIn;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  try {
    await auth.login(String(data.get('email')), String(data.get('password')));
  } catch (err) {
    status.textContent = err instanceof AuthError ? err.description : 'Sign-in failed';
    return;
  }
  show();
});
signOut.addEventListener('click', async () => {
  await auth.logout();
  show();
});
auth.on('session-ended', show);

await auth.restore(); // a returning visitor with a live session is signed in without a form
show();
