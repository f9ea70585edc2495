# The web and worker image: gunicorn serves, whitenoise serves the static files.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY imports imports
COPY gfmd gfmd
COPY countries countries
COPY practices practices
COPY subscriptions subscriptions
RUN pip install --no-cache-dir .
COPY . .
# Settings refuse the default console email, in-request tasks and a per-process cache with
# DEBUG off; the build sends nothing and caches nothing.
RUN SECRET_KEY=collectstatic-only ALLOW_UNSENT_EMAIL=1 ALLOW_IMMEDIATE_TASKS=1 ALLOW_PROCESS_CACHE=1 \
    python manage.py collectstatic --no-input
RUN useradd --create-home gfmd
USER gfmd
# Import uploads, shared by web and worker through a volume (docker-compose.yml): made here so
# that the volume starts owned by gfmd.
RUN mkdir /home/gfmd/import-uploads
EXPOSE 8000
CMD ["gunicorn", "gfmd.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
