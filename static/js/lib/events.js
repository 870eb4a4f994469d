// The one websocket client of the user's job events (/ws/jobs/).
//
// The socket can drop at any time (server restart, laptop asleep), and events sent
// while it was down are lost for good. So it reconnects with a growing delay, and
// after every connect calls `resync` for the page to catch up by reading its jobs
// again (each payload's `url`).

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 10000;

/**
 * Follow job events for as long as the page is open.
 *
 * `handlers` maps an event type ("job.progress", "job.status") to a function of the
 * event; other types are ignored. While connected, <body data-live="1"> says so.
 */
export function followJobEvents({ url, handlers, resync }) {
  let retryMs = FIRST_RETRY_MS;

  function connect() {
    const socket = new WebSocket(socketUrl(url));
    socket.addEventListener("open", () => {
      retryMs = FIRST_RETRY_MS;
      document.body.dataset.live = "1";
      resync();
    });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      const handle = handlers[event.type];
      if (handle) handle(event);
    });
    socket.addEventListener("close", () => {
      delete document.body.dataset.live;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
    });
  }

  connect();
}

function socketUrl(path) {
  const address = new URL(path, window.location.href);
  address.protocol = address.protocol === "https:" ? "wss:" : "ws:";
  return address.href;
}
