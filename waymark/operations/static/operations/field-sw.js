// The field service worker (brief operations.md §6 "Offline"). Served at /operations/field-sw.js
// so that its scope is /operations/. It never handles writes: entries are queued by field.mjs.
//
// - Field pages (/operations/visits/<id>/field/...): network first; the fresh page is kept; with
//   no signal the kept page is shown.
// - Static assets (/static/...): the kept copy first, refreshed in the background.
// Nothing else is touched, so every other page behaves as it does without a service worker.

const CACHE = 'waymark-field-v1'
const FIELD_PAGE = /^\/operations\/visits\/\d+\/field\/([a-z_-]+\/)?$/

self.addEventListener('install', () => {
  self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('waymark-field-') && name !== CACHE) await caches.delete(name)
    }
    await self.clients.claim()
  })())
})

async function networkFirst (request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok && !response.redirected) await cache.put(request.url, response.clone())
    return response
  } catch (error) {
    const kept = await cache.match(request.url, { ignoreSearch: true })
    if (kept) return kept
    throw error
  }
}

async function keptFirst (event) {
  const cache = await caches.open(CACHE)
  const kept = await cache.match(event.request.url)
  const refresh = fetch(event.request).then(async (response) => {
    if (response.ok) await cache.put(event.request.url, response.clone())
    return response
  })
  if (kept) {
    event.waitUntil(refresh.catch(() => {}))
    return kept
  }
  return refresh
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (FIELD_PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(request))
  } else if (url.pathname.startsWith('/static/')) {
    event.respondWith(keptFirst(event))
  }
})
