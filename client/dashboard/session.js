// Signing in to a server with an access policy (docs/http.md,
// Authentication). EventSource cannot send an Authorization header, so the
// token is traded for a session cookie with POST /v1/session. Sessions live
// in the server's memory and end when it restarts; the token stays in this
// tab's sessionStorage (not localStorage: it leaves with the tab) so that
// the dashboard can sign in again by itself.
import { closeSession, openSession } from './api.js';

const TOKEN_KEY = 'sitrep.token';

export function hasStoredToken() {
  return readToken() !== null;
}

// Opens a session with a token the user typed; keeps the token on success.
// Throws ApiError when the server refuses it.
export async function signIn(token) {
  await openSession(token);
  writeToken(token);
}

// Opens a new session with the kept token. False when there is none or the
// server no longer accepts it (it is then forgotten); throws when the server
// could not be asked.
export async function renewSession() {
  const token = readToken();
  if (token === null) return false;
  try {
    await openSession(token);
    return true;
  } catch (error) {
    if (!error.needsLogin) throw error;
    forgetToken();
    return false;
  }
}

export async function signOut() {
  forgetToken();
  await closeSession();
}

// sessionStorage throws where storage is disabled; the dashboard then
// works, but asks for the token again after a server restart.
function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(token) {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // See readToken.
  }
}

function forgetToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // See readToken.
  }
}
