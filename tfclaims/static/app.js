// Marks the page as JavaScript-enabled (the GOV.UK template does this inline; tfclaims' CSP forbids
// inline script) and starts the GOV.UK Frontend components.
import { initAll } from '/assets/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}

// A success banner (role="alert") and an error summary take focus when they start, so that they are announced
// and a keyboard user goes on from them (WCAG 4.1.3). A page reached by a redirect to a fragment (such as
// /families/7#members after "member added") would lose that focus: the browser moves to the fragment after this
// module has run, and moving there takes focus to the page. Drop the fragment first: the message comes first.
const autoFocused = document.querySelector(
  '.govuk-notification-banner[role="alert"]:not([data-disable-auto-focus="true"]), ' +
  '.govuk-error-summary:not([data-disable-auto-focus="true"])'
)
if (autoFocused && window.location.hash) {
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search)
}

initAll()
