// Marks the page as JavaScript-enabled (the GOV.UK template does this inline; tfclaims' CSP forbids
// inline script) and starts the GOV.UK Frontend components.
import { initAll } from '/assets/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}
initAll()
