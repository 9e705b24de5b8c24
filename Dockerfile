# One image for web, worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
WORKDIR /app

# WeasyPrint's libraries (Pango; HarfBuzz's subsetter, which keeps the PDFs the same bytes twice)
# and the font the certificates are set in.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
# The lock file pins every package with its hashes; pip refuses anything else.
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && useradd --create-home cpnitrack && mkdir -p /app/var && chown -R cpnitrack /app/var
USER cpnitrack

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000"]
