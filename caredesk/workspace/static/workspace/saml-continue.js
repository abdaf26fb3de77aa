// The SAML sign-in's second post (caredesk/workspace/saml_views.py): sent from caredesk's
// own page so that the browser includes the session cookie.
document.getElementById("saml-continue").submit();
