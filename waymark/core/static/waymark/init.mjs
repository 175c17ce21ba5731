// Waymark's page script: start GOV.UK Frontend and MOJ Frontend, then Waymark's own components.
// Loaded as a module from static files (no inline script, so the Content Security Policy holds).
import { initAll, createAll } from '/static/govuk/govuk-frontend.min.js'
import { initAll as initMoj, FilterToggleButton } from '/static/moj/moj-frontend.min.js'

initAll()
initMoj()
// MOJ's initAll leaves the filter toggle out: a list's filter panel opens and closes with
// 'Show filter' (data-module="moj-filter" on the filter column).
createAll(FilterToggleButton)

// ---------------------------------------------------------------------------------------------
// Session timeout warning.
//
// MOJ Frontend 11 has no timeout-warning component, so this is a small one in the same pattern
// (GOV.UK / HMRC timeout dialog): a modal <dialog> opened `warningSeconds` before the idle session
// ends, "Stay signed in" POSTs to the keep-alive address (204) and closes it, "Sign out" is an
// ordinary form. When time runs out the page signs out and goes to the signed-out page.
//
// Several tabs share one clock: each page load and each keep-alive writes the time to
// localStorage, and every tab measures idleness from the latest write, so an active tab keeps
// the others from warning. Escape means "stay signed in", as in the HMRC pattern.

const STORAGE_KEY = 'waymark:session-refreshed-at'
const TICK_MS = 1000
const ANNOUNCE_EVERY_SECONDS = 20

function readShared () {
  try {
    const value = Number(window.localStorage.getItem(STORAGE_KEY))
    return Number.isFinite(value) ? value : 0
  } catch {
    return 0
  }
}

function writeShared (time) {
  try {
    window.localStorage.setItem(STORAGE_KEY, String(time))
  } catch {
    // Private browsing or storage turned off: this tab keeps its own clock.
  }
}

function describe (seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60)
    return minutes === 1 ? '1 minute' : `${minutes} minutes`
  }
  return seconds === 1 ? '1 second' : `${seconds} seconds`
}

export function initSessionTimeout (root) {
  const dialog = root.querySelector('dialog')
  if (!dialog || typeof dialog.showModal !== 'function') {
    return // very old browsers: the server still ends the session; no warning
  }
  const sessionMs = Number(root.dataset.sessionSeconds) * 1000
  const warningMs = Number(root.dataset.warningSeconds) * 1000
  const keepAliveUrl = root.dataset.keepAliveUrl
  const signOutUrl = root.dataset.signOutUrl
  const signedOutUrl = root.dataset.signedOutUrl
  const countdown = dialog.querySelector('[data-timeout-countdown]')
  const announcement = dialog.querySelector('[data-timeout-announcement]')
  const live = dialog.querySelector('[data-timeout-live]')
  const stay = dialog.querySelector('[data-timeout-stay]')
  const tokenMeta = document.querySelector('meta[name="waymark-csrf-token"]')
  const csrfToken = tokenMeta ? tokenMeta.content : ''
  if (!sessionMs || !warningMs || !keepAliveUrl) {
    return
  }

  let localRefresh = Date.now()
  writeShared(localRefresh)
  let returnFocusTo = null
  let lastAnnounced = null
  let finished = false

  const refreshedAt = () => Math.max(localRefresh, readShared())

  function post (url) {
    return window.fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { 'X-CSRFToken': csrfToken, 'X-Requested-With': 'fetch' }
    })
  }

  function open () {
    returnFocusTo = document.activeElement
    lastAnnounced = null
    dialog.showModal()
    dialog.focus()
  }

  function close () {
    if (dialog.open) {
      dialog.close()
    }
    if (returnFocusTo && typeof returnFocusTo.focus === 'function') {
      returnFocusTo.focus()
    }
    returnFocusTo = null
  }

  function expire () {
    if (finished) return
    finished = true
    // Best effort: end the session on the server too, then show the signed-out page.
    post(signOutUrl).catch(() => {}).finally(() => {
      window.location.assign(signedOutUrl)
    })
  }

  async function stayAlive () {
    try {
      const response = await post(keepAliveUrl)
      if (response.status !== 204) {
        expire() // the session had already ended (a redirect to sign in) or was refused
        return
      }
    } catch {
      return // network blip: leave the dialog open so that the user can try again
    }
    localRefresh = Date.now()
    writeShared(localRefresh)
    close()
  }

  function tick () {
    if (finished) return
    const remainingMs = sessionMs - (Date.now() - refreshedAt())
    if (remainingMs <= 0) {
      expire()
      return
    }
    if (remainingMs > warningMs) {
      if (dialog.open) close() // another tab kept the session alive
      return
    }
    if (!dialog.open) open()
    const seconds = Math.ceil(remainingMs / 1000)
    const text = describe(seconds)
    if (countdown) countdown.textContent = text
    if (announcement) announcement.textContent = text
    // Screen readers hear the time when the dialog opens and every 20 seconds, not every second.
    if (live && (lastAnnounced === null || lastAnnounced - seconds >= ANNOUNCE_EVERY_SECONDS)) {
      live.textContent = `You will be signed out in ${text}.`
      lastAnnounced = seconds
    }
  }

  if (stay) {
    stay.addEventListener('click', (event) => {
      event.preventDefault()
      stayAlive()
    })
  }
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault() // Escape: stay signed in
    stayAlive()
  })
  window.addEventListener('storage', (event) => {
    if (event.key === STORAGE_KEY) tick()
  })
  window.setInterval(tick, TICK_MS)
  tick()
}

for (const root of document.querySelectorAll('[data-module="waymark-session-timeout"]')) {
  initSessionTimeout(root)
}

// ---------------------------------------------------------------------------------------------
// Tables wider than the screen (a 360-pixel phone) scroll sideways inside their own area. That area
// must be reachable by keyboard and say what it is (WCAG 2.1.1; axe "scrollable-region-
// focusable"): each one that overflows gets tabindex="0", role="region" and a label from the
// table's caption, and says that it scrolls. Checked again when the window is resized.

function scrollArea (table) {
  const wrapper = table.parentElement
  if (wrapper && (wrapper.classList.contains('wm-table-scroll') || wrapper.classList.contains('waymark-table-scroll'))) {
    return wrapper
  }
  return table
}

export function labelScrollingTables (root = document) {
  for (const table of root.querySelectorAll('table.govuk-table')) {
    const area = scrollArea(table)
    const overflows = area.scrollWidth > area.clientWidth + 1
    if (overflows && !area.hasAttribute('tabindex')) {
      const caption = table.querySelector('caption')
      const name = caption && caption.textContent.trim() ? caption.textContent.trim() : 'Table'
      area.setAttribute('tabindex', '0')
      if (!area.hasAttribute('role')) area.setAttribute('role', 'region')
      if (!area.hasAttribute('aria-label')) area.setAttribute('aria-label', `${name} (scrolls sideways)`)
      area.dataset.waymarkScrolls = 'true'
    }
  }
}

labelScrollingTables()
// Text set in the web font is wider than the fallback it replaces: a table that fitted before the
// font arrived may overflow after, without its box changing size (so no ResizeObserver call).
if (document.fonts && document.fonts.ready) document.fonts.ready.then(() => labelScrollingTables())
window.addEventListener('load', () => labelScrollingTables())
let resizeTimer
function labelSoon () {
  window.clearTimeout(resizeTimer)
  resizeTimer = window.setTimeout(() => labelScrollingTables(), 200)
}
window.addEventListener('resize', labelSoon)
// A table's area also narrows without the window changing: a filter panel opening beside it.
if ('ResizeObserver' in window) {
  // Observers already fire once a frame at most: label at once, not after the resize delay.
  const observer = new window.ResizeObserver(() => labelScrollingTables())
  for (const table of document.querySelectorAll('table.govuk-table')) {
    observer.observe(scrollArea(table))
  }
}

// ---------------------------------------------------------------------------------------------
// A page that follows a long job (an import, a linkage run, a bulk check) marks its progress area
// with data-wm-refresh="<seconds>". Every that many seconds the page is fetched again and its main
// content (and the header's count of notifications) put in place, so the bar, the step and the
// time left move on by themselves, and the finished page appears without a click. A reload would
// do the same but moves the reader back to the top and is a WCAG failure (F41, axe "meta-
// refresh"); without script the page's <noscript> refresh does it instead. "Stop updating this
// page" stops it (WCAG 2.2.2). Focus stays where it was when the element is still there.

function followJob () {
  let area = document.querySelector('[data-wm-refresh]')
  if (!area) return
  const seconds = Math.max(Number(area.dataset.wmRefresh) || 5, 1)
  let timer
  let stopped = false

  function addStopButton () {
    const current = document.querySelector('[data-wm-refresh]')
    if (!current || current.querySelector('[data-wm-refresh-stop]')) return
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0'
    button.dataset.wmRefreshStop = 'true'
    button.textContent = 'Stop updating this page'
    button.addEventListener('click', () => {
      stopped = true
      window.clearTimeout(timer)
      const note = document.createElement('p')
      note.className = 'govuk-body-s'
      note.setAttribute('role', 'status')
      note.textContent = 'This page no longer updates by itself. Reload it to see how the job is doing.'
      button.replaceWith(note)
    })
    current.appendChild(button)
  }

  function replace (selector, fresh) {
    const old = document.querySelector(selector)
    const replacement = fresh.querySelector(selector)
    if (old && replacement) old.replaceWith(document.adoptNode(replacement))
  }

  async function poll () {
    if (stopped) return
    try {
      const response = await window.fetch(window.location.href, {
        cache: 'no-store',
        credentials: 'same-origin',
        headers: { Accept: 'text/html' }
      })
      if (!response.ok || response.redirected || stopped) return schedule()
      const fresh = new window.DOMParser().parseFromString(await response.text(), 'text/html')
      const focused = document.activeElement && document.activeElement.id
      replace('main', fresh)
      replace('#waymark-header-notifications', fresh)
      document.title = fresh.title
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus()
      labelScrollingTables()
      area = document.querySelector('[data-wm-refresh]')
      if (area) {
        addStopButton()
        schedule()
      }
    } catch {
      schedule() // the network dropped: try again at the next interval
    }
  }

  function schedule () {
    if (!stopped) timer = window.setTimeout(poll, seconds * 1000)
  }

  addStopButton()
  schedule()
}

followJob()
