// The reference form's one script, a module served from /forms/assets/ (the pages' policy
// allows scripts from the service only, none inline). Without it every page still works.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
