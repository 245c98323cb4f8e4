import { h, render } from 'preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, session } from './api.js';
import type { Caller } from './api.js';
import { AccountPage, AccountsPage } from './accounts.js';
import { MonthPage } from './month.js';
import { ThreadPage } from './thread.js';
import { HealthPage, RateCardsPage } from './operations.js';

const html = htm.bind(h);

/** The page the location's hash names: `#/accounts`, `#/accounts/{waba}`, `…/months/{period}`, `…/threads/{number}/{customer}`. */
function route(hash: string, caller: Caller): ComponentChildren {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'rate-cards') return html`<${RateCardsPage} />`;
  if (parts[0] === 'health') return html`<${HealthPage} />`;
  if (parts[0] === 'accounts' && parts[1] && parts[2] === 'threads' && parts[3] && parts[4]) return html`<${ThreadPage} wabaId=${parts[1]} phoneNumberId=${parts[3]} customer=${parts[4]} />`;
  if (parts[0] === 'accounts' && parts[1] && parts[2] === 'months' && parts[3]) return html`<${MonthPage} caller=${caller} wabaId=${parts[1]} period=${parts[3]} />`;
  if (parts[0] === 'accounts' && parts[1]) return html`<${AccountPage} wabaId=${parts[1]} />`;
  return html`<${AccountsPage} />`;
}

function SignIn({ onCaller }: { onCaller: (caller: Caller) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    session.signIn(key);
    try {
      onCaller(await get<Caller>('/api-keys/current'));
    } catch (problem) {
      session.signOut();
      setError((problem as Error).message);
    }
  };
  return html`<form class="sign-in" onSubmit=${(e: Event) => void submit(e)}>
    <h1>Conversation Ledger</h1>
    <label>API key <input name="key" type="password" autocomplete="off" value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} /></label>
    <button type="submit">Sign in</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <p class="hint">The key stays in this browser tab only.</p>
  </form>`;
}

function App() {
  const [caller, setCaller] = useState<Caller | null>(null);
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    addEventListener('hashchange', onHash);
    if (session.key()) get<Caller>('/api-keys/current').then(setCaller, () => session.signOut());
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (!caller) return html`<${SignIn} onCaller=${setCaller} />`;
  const signOut = () => {
    session.signOut();
    setCaller(null);
  };
  return html`<header>
      <a href="#/accounts" class="brand">Conversation Ledger</a>
      <nav><a href="#/accounts">Accounts</a><a href="#/rate-cards">Rate cards</a><a href="#/health">Health</a></nav>
      <span class="who" data-roles=${caller.roles.join(' ')}>${caller.actor} · ${caller.roles.join(', ')}</span>
      <button class="link" onClick=${signOut}>Sign out</button>
    </header>
    <main>${route(hash, caller)}</main>`;
}

render(h(App, {}), document.getElementById('app')!);
