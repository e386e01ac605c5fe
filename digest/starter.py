"""The commented starter configuration that `digest init` writes.

Generated from digest.config by `python -m digest.settings_doc --write`; do not edit.
"""

STARTER_CONFIG = '''\
# digest.toml: settings for `digest build` and `digest send`.
# Precedence: command-line options > DIGEST_* environment variables > this file > defaults.
# Secrets (DIGEST_SECRET, DIGEST_SMTP_PASSWORD, DIGEST_LLM_API_KEY) are read from the
# environment only; never put them here. Every setting is described in docs/configuration.md.

[newsletter]
# The newsletter's identity.
# the newsletter's name, in the header and the subject
name = "The Circuit Weekly"
# the From address
sender = "The Circuit Weekly <digest@example.com>"
# the Reply-To address
# reply_to = "editors@example.com"
# shown in every footer, as anti-spam law in most countries requires
postal_address = "The Circuit Weekly, 1 Example Street, Springfield 00000"
# <html lang>; right-to-left languages (ar, fa, he, ur ...) set dir="rtl"
language = "en"
# the IANA timezone in which the issue's ISO week is counted
timezone = "UTC"
# public http(s) URL of the archive's web/ folder; enables "View in browser", which links to
# <web_url>/<issue id>.html
# web_url = "https://news.example.com/issues/web"
# an http(s) logo shown in the header
# logo_url = "https://news.example.com/logo.png"
# a line under the name
tagline = "The week in technology, summarized."

[theme]
# The issue's colours and font.
# links and headings; a 6-digit hex colour
accent_color = "#0b5cad"
# body text; a 6-digit hex colour
text_color = "#1f2328"
# behind the issue; a 6-digit hex colour
background_color = "#f4f5f7"
# CSS font stack; Arial, sans-serif is added when it names no generic family
# font_family = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

[build]
# Which week is built, how, and where it is written.
# where <YYYY>-W<WW>.html/.txt/.json are written
out = "issues"
# a template folder checked before the built-in templates
# templates = "my-templates"
# current, previous, latest or an ISO week such as 2026-W47 (default: current; latest for the
# bundled sample)
# week = "2026-W47"
# make any source failure or unusable item fatal
# strict = false
# write an issue even when the week has no articles
# allow_empty = false
# extractive (offline), or llm (see [llm])
# summarizer = "extractive"
# the summary budget in words (10 to 200)
summary_words = 60
# the summary budget in sentences
# summary_sentences = 2
# articles shown in full per section; the rest are listed as links
max_per_section = 6
# HTML bytes before the lowest-ranked articles move to a "More this week" list (Gmail clips at 102
# KB)
# html_budget = 82000
# the ledger, subscriber list, HTTP cache and sent-article record
# state_dir = ".digest"
# articles published this many days before the week that no issue carried still go out
# carry_over_days = 7

[sections]
# How articles are grouped into sections.
# section names in the order they appear
order = ["News", "Artificial Intelligence", "Startups", "Security", "Gadgets", "Policy"]
# the section for articles with no usable category (unset: the default_section label, "More news"
# in English)
# default = "More news"
# a section with fewer articles is folded into a larger one (1 keeps every section)
# min_size = 2
# a table mapping a source's category name to a section name (added to the defaults shown)
[sections.aliases]
"AI" = "Artificial Intelligence"
"Machine Learning" = "Artificial Intelligence"
# a table mapping a section to keywords, for articles without a category
# [sections.keywords]
# "Security" = ["breach", "ransomware"]

[fetch]
# How sources are read (HTTP and files).
# seconds to wait for an answer (read timeout); a slow source is reported, not retried
# timeout = 20.0
# seconds to wait for a connection
# connect_timeout = 5.0
# retries after a connection error, a 429 or a 5xx, with exponential backoff from 0.5 s
# retries = 3
# cap in seconds on one backoff delay or on a server's Retry-After
# max_wait = 30.0
# the largest response (after decompression) or file accepted
# max_bytes = 10485760
# sources read at once
# workers = 20
# seconds one source may take in all (every request, retry and page); past it the source fails
# alone; 0 means three times timeout
# deadline = 0.0

[llm]
# The model endpoint for summarizer = "llm".
# the chat-completions endpoint's base URL, e.g. https://llm.example.com/v1
# base_url = "http://localhost:11434/v1"
# the model's name
# model = "llama3.2"
# requests in flight at once
# workers = 4
# seconds to wait for one answer
# timeout = 30.0
# extra tries after a 429, a 5xx or a dropped connection
# retries = 2
# articles summarized by the model per build; the rest get the extractive summary (0: none)
# max_articles = 200
# characters of the article's cleaned text sent with its title
# max_input_chars = 6000

[send]
# How an issue is delivered (digest send, digest run).
# the subject; fields {name}, {date} (the issue's days in its language), {week} (the ISO week id),
# {lead} (lead title, or the issue title), {title}, {id}; unset, {name}, {date}: {lead} with the
# language's comma; the issue's own subject (curation file) wins
# subject = "{name}, {date}: {lead}"
# the List-Id header (default: <name> <slug.sender-domain>)
# list_id = "circuit.news.example.com"
# the public http(s) base of digest serve; links are <unsubscribe_url>/u/TOKEN. Required for SMTP
# and the APIs
# unsubscribe_url = "https://news.example.com"
# an address for the mailto: half of List-Unsubscribe
# unsubscribe_mailto = "unsubscribe@example.com"
# smtp://user@host:587 (STARTTLS; required before a login except on localhost) or
# smtps://user@host:465 (implicit TLS). The password comes only from DIGEST_SMTP_PASSWORD; a
# password in the URL is refused. Default: write previews (.eml files, nothing delivered) to the
# outbox
# smtp = "smtp://user@smtp.example.com:587"
# send through an email API instead of SMTP: ses://REGION, postmark:// (?stream=NAME, default
# broadcast) or mailgun://DOMAIN (?region=eu for the EU service). Credentials come only from the
# environment: the AWS credential chain, DIGEST_POSTMARK_TOKEN, DIGEST_MAILGUN_KEY (see
# docs/sending.md)
# api = "postmark://"
# the API's base URL, for a regional or compatible service (default: the provider's)
# api_endpoint = "https://api.eu.mailgun.net"
# folder for previews (.eml files, nothing delivered) when neither smtp nor api is set
# (<outbox>/<issue>/<address>.eml)
# outbox = "outbox"
# a CSV file (columns email, name, any others) instead of the subscriber list
# subscribers = ""
# messages per second over all connections (0: no limit)
# rate = 0.0
# messages in any rolling 24 hours, all issues together (0: no cap); the rest are deferred to the
# next run
# daily_cap = 0
# parallel SMTP connections, each reused for many messages (with api: concurrent API calls)
# connections = 1
# tries per recipient and run after a 4xx reply or a dropped connection
# attempts = 5
# seconds before the first retry, doubled each time (at most 300)
# backoff = 2.0

[serve]
# The limits of digest serve (see docs/deployment.md).
# worker threads of digest serve (idle connections never hold one)
# threads = 8
# seconds before an idle or stalled connection is closed
# timeout = 30
# the largest request body accepted (413 above it)
# max_body = 1048576
# connections the operating system queues before they are accepted
# backlog = 1024
# connections open at once; more wait in the backlog
# connection_limit = 200
# the reverse proxy's address, whose X-Forwarded-For / -Proto / -Host are believed (see
# docs/deployment.md)
# trusted_proxy = "127.0.0.1"

[signup]
# The double opt-in signup form at /subscribe (see docs/subscribers.md).
# serve the double opt-in signup form at /subscribe
# enabled = false
# signup requests allowed per hour from one client address
# per_ip = 10
# signup requests allowed per hour for one email address
# per_address = 3
# how long a confirmation link stays valid, in hours
# expiry_hours = 48

[bounces]
# Bounce and complaint reports read by digest bounces or received as webhooks (see
# docs/subscribers.md).
# issues in a row that soft-bounced before an address is suppressed
# soft_limit = 3
# an IMAP folder digest bounces reads when given no file: imaps://user@host/Folder (implicit TLS,
# port 993) or imap://user@host/Folder (STARTTLS, port 143; without it only to localhost). The
# password comes only from DIGEST_IMAP_PASSWORD; a password in the URL is refused
# imap = "imaps://bounces@imap.example.com/INBOX"
# a folder that processed reports are moved to (default: they are marked read and stay)
# imap_move_to = "Processed"

[hooks]
# Bounce and complaint webhooks at /hooks/<provider> (see docs/subscribers.md).
# the SNS topic ARNs whose Amazon SES notifications /hooks/ses accepts; empty: SES webhooks off
# ses_topics = ["arn:aws:sns:eu-west-1:123456789012:digest-bounces"]
# a PEM certificate trusted to sign SNS messages, used instead of fetching SigningCertURL (air-
# gapped setups)
# sns_trusted_cert = "/etc/digest/sns-signing.pem"
# hosts (host:port) accepted for SigningCertURL and SubscribeURL beside
# sns.<region>.amazonaws.com, over http too (a local SNS emulator)
# sns_hosts = []

[labels]
# The issue's fixed words, for a newsletter in another language.
# week_title = "Week {week}, {year}"
# top_story = "Top story"
# also_in = "Also in {section}"
# more_this_week = "More this week"
# omitted = "And {count} more from this week that did not fit in this email"
# read_all = "Read every story of this week"
# view_in_browser = "View in browser"
# subscribed = "You receive {name} because you subscribed to it."
# unsubscribe = "Unsubscribe"
# min_read = "{minutes} min read"
# no_articles = "No new articles this week."
# default_section = "More news"
# preheader = "Also: {stories}"
# preheader_sections = "{count} more on {topics}"
# all_issues = "All issues"
# feed = "Atom feed"
# date = "Date"
# subject = "Subject"
# lead_story = "Lead story"
# no_issues = "No issues yet."
# read_on_web = "Read the issue on the web"
# unsubscribe_question = "Unsubscribe from {name}?"
# unsubscribe_effect = "{address} will receive no more issues."
# unsubscribed = "You are unsubscribed."
# unsubscribe_help = "Use the unsubscribe link at the bottom of any issue you received by email."
# invalid_link = "This link is not valid."
# not_found = "Not found"
# not_allowed = "Method not allowed"
# subscribe = "Subscribe"
# check_inbox = "Check your inbox: if the address can subscribe, a confirmation link is on its way."
# invalid_address = "Not a valid address: {detail}"
# too_many_requests = "Too many requests: please try again later."
# confirm_subject = "Confirm your subscription to {name}"
# confirm_intro = "Please confirm that you want to receive {name}. The link is valid for {hours} hours."
# confirm_button = "Confirm my subscription"
# confirm_ignore = "If you did not ask for this, ignore this email: you will not be subscribed."
# confirmed = "You are subscribed to {name}."
# latest_issue = "Read the latest issue"
# pause = "Pause for a month"
# paused = "Paused: you will receive no issues until {date}."

# One [[sources]] table per source. kind: auto (detected), native, jsonfeed, wordpress,
# feed (RSS/Atom; also rss, atom, rdf), jsonapi. Without any source, digest builds the bundled
# sample week.
# [[sources]]
# name = "Our blog"
# url = "https://blog.example.com"
# kind = "wordpress"
# timezone = "Europe/Berlin"   # for dates that carry no offset
#
# [[sources]]
# name = "Newsroom feed"
# url = "https://news.example.com/feed.xml"
'''
