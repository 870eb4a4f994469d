// The JSON API as the pages use it: the session's cookie plus its CSRF token, JSON
// both ways, and every refusal as an ApiError carrying the API's error shape
// ({"detail": "<sentence>", "errors": {field: message}}).

const NO_ANSWER = "The server did not answer; try again.";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `The server answered HTTP ${status}.`);
    this.name = "ApiError";
    this.status = status; // 0 when the request never got an answer
    this.errors = (body && body.errors) || {};
  }
}

/** The CSRF token Django put in the page's forms (or, failing that, its cookie). */
export function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const cookie = document.cookie.split("; ").find((pair) => pair.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
}

export function getJson(url) {
  return request(url, { method: "GET" });
}

/** PATCH `body` as JSON; resolves to the answer, rejects with an ApiError. */
export function patchJson(url, body) {
  return request(url, { method: "PATCH", body });
}

/** POST `body` (if any) as JSON; resolves to the answer, rejects with an ApiError. */
export function postJson(url, body) {
  return request(url, { method: "POST", body });
}

/** Send a FormData (files) with `method`; resolves to the answer, rejects with an ApiError. */
export function sendForm(url, method, form) {
  return request(url, { method, body: form });
}

/** DELETE `url`; resolves when it is gone, rejects with an ApiError. */
export function deleteJson(url) {
  return request(url, { method: "DELETE" });
}

async function request(url, { method, body }) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const multipart = body instanceof FormData; // the browser writes its Content-Type with the boundary
  if (body !== undefined && !multipart) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined || multipart ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { detail: NO_ANSWER });
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}
