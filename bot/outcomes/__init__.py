"""What the use cases return, as data: the typed outcomes (and the limits and enums that come
with them) that handlers and views read.

They live apart from the services so that a view, which renders an outcome, never imports the
use case that made it: services import views (a job renders the message it queues), views
import outcomes, and nothing here imports a service or a view (import-linter holds both)."""
