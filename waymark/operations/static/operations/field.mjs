// The field notebook offline (brief operations.md §6 "Offline"; issue 5 item 7).
//
// Progressive enhancement: without JavaScript every field form is an ordinary POST. With it, a
// submitted entry form is taken over here:
//   1. the entry gets its own id (crypto.randomUUID()), the phone's time (new Date().toISOString())
//      and, if the officer allows it, the phone's location;
//   2. it is written to the queue in localStorage FIRST, so nothing is lost if the signal drops;
//   3. it is sent to the API when the phone is online; whatever could not be sent stays queued and
//      is retried on the `online` event and on a timer (the batch endpoint: the replay path).
// The server stores each entry once by its id, so sending twice is harmless. The "waiting to be
// sent" panel (aria-live) lists what is still on the phone. A service worker (field-sw.js) keeps
// the field pages and their assets so the pages reload with no signal.
//
// An entry the server refuses when it is sent straight away (the officer is online) goes back to
// the page as an ordinary form POST, so the GOV.UK error summary shows what to correct. An entry
// refused later, from the queue, is listed as "not accepted" with the reason.

const QUEUE_KEY = 'waymark:field-queue:v1'
const REFUSED_KEY = 'waymark:field-refused:v1'
const CACHE = 'waymark-field-v1'
const LOCATION_TIMEOUT_MS = 4000

function read (key) {
  try {
    const value = JSON.parse(window.localStorage.getItem(key) || '[]')
    return Array.isArray(value) ? value : []
  } catch {
    return []
  }
}

function write (key, items) {
  window.localStorage.setItem(key, JSON.stringify(items))
}

// Everything on this phone waiting to be sent (for every officer who has used it).
function queuedAll () {
  return read(QUEUE_KEY)
}

let currentOfficer = ''

// What this officer has waiting: a colleague signing in on the same phone never sends it as theirs.
export function queued () {
  return queuedAll().filter((q) => String(q.officer) === currentOfficer)
}

function queueAdd (item) {
  write(QUEUE_KEY, [...queuedAll().filter((q) => q.client_uuid !== item.client_uuid), item])
}

function queueUpdate (uuid, changes) {
  write(QUEUE_KEY, queuedAll().map((q) => (q.client_uuid === uuid ? { ...q, ...changes } : q)))
}

function queueRemove (uuids) {
  const gone = new Set(uuids)
  write(QUEUE_KEY, queuedAll().filter((q) => !gone.has(q.client_uuid)))
}

function refusedAdd (item, detail) {
  write(REFUSED_KEY, [...read(REFUSED_KEY), { label: item.label, recorded_at: item.recorded_at, detail }])
}

function csrfToken () {
  const meta = document.querySelector('meta[name="waymark-csrf-token"]')
  return meta ? meta.content : ''
}

function post (url, body) {
  return window.fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(body)
  })
}

// The form's fields as the API's `data`: a lone checkbox is true/false, a group of checkboxes
// a list, everything else its value (a date stays as its three boxes, as the form expects).
export function formData (form) {
  const data = {}
  const inputs = Array.from(form.elements).filter((el) => el.name && !el.disabled)
  const counts = {}
  for (const el of inputs) {
    if (el.type === 'checkbox') counts[el.name] = (counts[el.name] || 0) + 1
  }
  for (const el of inputs) {
    const name = el.name
    // The page's own tokens (CSRF, the form's one-sending token) are not the entry's data.
    if (name === 'csrfmiddlewaretoken' || name === '_submission' || name === 'client_uuid' || el.type === 'submit') continue
    if (el.type === 'checkbox') {
      if (counts[name] > 1) {
        data[name] = data[name] || []
        if (el.checked) data[name].push(el.value)
      } else {
        data[name] = el.checked
      }
    } else if (el.type === 'radio') {
      if (el.checked) data[name] = el.value
      else if (!(name in data)) data[name] = ''
    } else {
      data[name] = el.value
    }
  }
  return data
}

function locate () {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) {
      resolve({})
      return
    }
    let done = false
    const finish = (value) => {
      if (!done) {
        done = true
        resolve(value)
      }
    }
    window.setTimeout(() => finish({}), LOCATION_TIMEOUT_MS)
    navigator.geolocation.getCurrentPosition(
      (position) => finish({
        latitude: position.coords.latitude,
        longitude: position.coords.longitude,
        accuracy_m: position.coords.accuracy
      }),
      () => finish({}), // the officer said no, or there is no fix: the entry goes without a location
      { enableHighAccuracy: true, timeout: LOCATION_TIMEOUT_MS, maximumAge: 60000 }
    )
  })
}

function forSending (item) {
  const { label, officer, queued_at: _queuedAt, ...entry } = item
  return entry
}

class FieldOffline {
  constructor (root) {
    this.root = root
    this.apiEntries = root.dataset.apiEntries
    this.apiBatch = root.dataset.apiBatch
    this.fieldUrl = root.dataset.fieldUrl
    this.visit = Number(root.dataset.visit)
    currentOfficer = root.dataset.officer || ''
    this.retryMs = Number(root.dataset.retryMs) || 15000
    this.pages = (root.dataset.offlinePages || '').split(' ').filter(Boolean)
    this.count = root.querySelector('[data-field-queue-count]')
    this.list = root.querySelector('[data-field-queue-list]')
    this.network = root.querySelector('[data-field-network]')
    this.status = root.querySelector('[data-field-status]')
    this.refused = root.querySelector('[data-field-refused]')
    this.refusedList = root.querySelector('[data-field-refused-list]')
    this.flushing = false
    root.hidden = false
    document.documentElement.dataset.fieldOffline = 'ready'
  }

  start () {
    for (const form of document.querySelectorAll('form[data-field-entry]')) {
      form.addEventListener('submit', (event) => this.submit(event, form))
    }
    window.addEventListener('online', () => {
      this.render()
      this.flush()
    })
    window.addEventListener('offline', () => this.render())
    window.addEventListener('storage', (event) => {
      if (event.key === QUEUE_KEY || event.key === REFUSED_KEY) this.render()
    })
    window.setInterval(() => this.flush(), this.retryMs)
    this.render()
    this.keepOffline()
    this.flush()
  }

  render () {
    const items = queued()
    this.network.textContent = navigator.onLine ? 'Online' : 'Offline: entries are kept on this phone'
    this.count.textContent = `Waiting to be sent: ${items.length}`
    this.root.dataset.queueLength = String(items.length)
    this.list.replaceChildren(...items.map((item) => {
      const li = document.createElement('li')
      const time = new Date(item.recorded_at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
      li.textContent = `${time} ${item.label}`
      li.dataset.clientUuid = item.client_uuid
      return li
    }))
    const refused = read(REFUSED_KEY)
    this.refused.hidden = refused.length === 0
    this.refusedList.replaceChildren(...refused.map((item) => {
      const li = document.createElement('li')
      li.textContent = `${item.label}: ${item.detail}`
      return li
    }))
  }

  say (text) {
    this.status.textContent = text
  }

  async submit (event, form) {
    event.preventDefault()
    if (form.dataset.submitting === 'true') return
    form.dataset.submitting = 'true'
    const item = {
      client_uuid: window.crypto.randomUUID(),
      visit: this.visit,
      entry_type: form.dataset.entryType,
      recorded_at: new Date().toISOString(), // the phone's time, now, kept however late it is sent
      sent_offline: !navigator.onLine,
      data: formData(form),
      label: form.dataset.entryLabel || form.dataset.entryType,
      officer: currentOfficer,
      queued_at: Date.now()
    }
    Object.assign(item, await locate())
    queueAdd(item) // stored on the phone first
    this.render()
    const result = navigator.onLine ? await this.sendOne(item) : 'queued'
    if (result === 'refused') {
      queueRemove([item.client_uuid])
      // Online and refused: let the page show the GOV.UK error summary for this form.
      form.dataset.submitting = 'false'
      HTMLFormElement.prototype.submit.call(form)
      return
    }
    if (result === 'queued') {
      queueUpdate(item.client_uuid, { sent_offline: true })
      this.say(`${item.label} saved on this phone. It will be sent when there is a signal.`)
      this.ownButtonToggle(form, item)
    } else {
      this.say(`${item.label} sent.`)
    }
    this.render()
    form.dataset.submitting = 'false'
    const back = form.dataset.returnUrl
    if (back) {
      window.location.assign(back)
    } else if (result === 'sent') {
      window.location.reload()
    }
  }

  // Arrived (or departed) while offline: the officer's own button offers the other one next.
  ownButtonToggle (form, item) {
    const next = { arrival: 'departure', departure: 'arrival' }[item.entry_type]
    if (!next || form.dataset.returnUrl) return
    form.dataset.entryType = next
    form.dataset.entryLabel = next === 'departure' ? 'Record your departure' : 'Record your arrival'
    form.action = form.action.replace(`/${item.entry_type}/`, `/${next}/`)
    const button = form.querySelector('button[type="submit"]')
    if (button) button.textContent = next === 'departure' ? 'I have departed' : 'I have arrived'
    const you = document.querySelector('[data-field-you]')
    const time = new Date(item.recorded_at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
    if (you) you.textContent = `${item.entry_type === 'arrival' ? 'Arrived' : 'Departed'} at ${time} (saved on this phone).`
  }

  async sendOne (item) {
    let response
    try {
      response = await post(this.apiEntries, forSending(item))
    } catch {
      return 'queued' // no signal after all
    }
    if (response.status === 201 || response.status === 200) {
      queueRemove([item.client_uuid])
      return 'sent'
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403 &&
        response.status !== 408 && response.status !== 429) {
      return 'refused'
    }
    return 'queued' // signed out, server trouble: keep it and try again later
  }

  async flush () {
    if (this.flushing || !navigator.onLine) return
    const items = queued()
    if (items.length === 0) return
    this.flushing = true
    try {
      const response = await post(this.apiBatch, { entries: items.map((item) => forSending({ ...item, sent_offline: true })) })
      if (response.status !== 200) {
        this.say('Could not send the waiting entries yet; trying again shortly.')
        return
      }
      const body = await response.json()
      const done = []
      for (const result of body.results || []) {
        const item = items.find((q) => q.client_uuid === result.client_uuid)
        if (!item) continue
        if (result.status === 201 || result.status === 200) {
          done.push(item.client_uuid)
        } else if (result.status >= 400 && result.status < 500) {
          done.push(item.client_uuid)
          refusedAdd(item, (result.problem && (result.problem.errors || []).map((e) => e.detail).join(' ')) ||
            (result.problem && result.problem.detail) || 'Refused')
        }
      }
      queueRemove(done)
      const left = queued().length
      this.say(left === 0 ? 'All waiting entries have been sent.' : `${left} still waiting to be sent.`)
    } catch {
      this.say('No signal: the entries stay on this phone.')
    } finally {
      this.flushing = false
      this.render()
    }
  }

  // Keep the field pages and what they load, so that they open with no signal.
  async keepOffline () {
    if (!('serviceWorker' in navigator) || !('caches' in window)) return
    try {
      await navigator.serviceWorker.register(this.root.dataset.swUrl, { scope: '/operations/', type: 'classic' })
    } catch {
      return
    }
    if (!navigator.onLine) return
    try {
      const cache = await window.caches.open(CACHE)
      const assets = performance.getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((url) => new URL(url).origin === window.location.origin && new URL(url).pathname.startsWith('/static/'))
      // One at a time: gentle on a weak signal and on the server.
      for (const url of new Set([...this.pages, ...assets])) {
        const response = await window.fetch(url, { credentials: 'same-origin' })
        if (response.ok && !response.redirected) await cache.put(url, response)
      }
      this.root.dataset.offlineReady = 'true'
    } catch {
      // A page could not be kept: it will be kept the next time it is opened online.
    }
  }
}

for (const root of document.querySelectorAll('[data-module="waymark-field-offline"]')) {
  new FieldOffline(root).start()
}
