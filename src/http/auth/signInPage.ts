/** The server-rendered pages of the dashboard sign-in: why a sign-in did not work, and what to do. */
import type { FastifyReply } from 'fastify';

export interface SignInPageText {
  title: string;
  message: string;
  fix: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function sendSignInPage(reply: FastifyReply, status: number, page: SignInPageText): FastifyReply {
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(page.title)} · Co-sell connector</title>
    <link rel="stylesheet" href="/dashboard.css" />
  </head>
  <body>
    <header class="top"><h1>Co-sell connector</h1></header>
    <main id="main">
      <section id="sign-in-refusal" class="card token" aria-labelledby="refusal-heading">
        <h2 id="refusal-heading">${escapeHtml(page.title)}</h2>
        <p id="refusal-message">${escapeHtml(page.message)}</p>
        <p id="refusal-fix">${escapeHtml(page.fix)}</p>
        <p><a class="button" href="/auth/sign-in?prompt=select_account">Sign in with Microsoft again</a></p>
      </section>
    </main>
  </body>
</html>
`;
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}
