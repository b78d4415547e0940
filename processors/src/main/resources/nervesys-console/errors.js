// Collects JavaScript errors and CSP violations of the page: the browser tests read window.nervesysErrors.
window.nervesysErrors = [];
window.addEventListener('error', function (e) { window.nervesysErrors.push(String(e.message || e.type)); });
window.addEventListener('unhandledrejection', function (e) { window.nervesysErrors.push('unhandled: ' + String(e.reason)); });
document.addEventListener('securitypolicyviolation', function (e) { window.nervesysErrors.push('CSP: ' + e.violatedDirective + ' ' + e.blockedURI); });
