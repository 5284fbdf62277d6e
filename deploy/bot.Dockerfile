# Rasa server and action server image (one image, two commands). Build from the repository root:
#   docker build -f deploy/bot.Dockerfile -t guide-bot .
# The trained model (make train) is baked in: nothing is downloaded at run time.
FROM python:3.10-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH=/srv/guide
WORKDIR /srv/guide
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --uid 1001 --home-dir /srv/guide guide && mkdir -p /srv/guide/.data && chown guide /srv/guide/.data
USER 1001
# The action server runs as `python -m rasa_sdk` (compose.yaml, rasa-action-server-values.yaml); the Rasa server as the Procfile runs it:
# compose.yaml and rasa-values.yaml set the entrypoint/command to `python -m bot.rasa_server`.
ENTRYPOINT ["rasa"]
CMD ["run", "--enable-api", "--port", "5005", "--model", "models/current.tar.gz", \
     "--endpoints", "endpoints.production.yml", "--credentials", "credentials.yml"]
