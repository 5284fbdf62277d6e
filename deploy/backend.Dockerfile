# Backend image (FastAPI, Python 3.11). Build from the repository root:
#   docker build -f deploy/backend.Dockerfile -t guide-backend .
# knowledge/ and web/ sit next to backend/ as in the repository (the backend reads and serves them).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/guide/backend
COPY backend/requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . /srv/guide
RUN useradd --uid 1001 --home-dir /srv/guide guide
USER 1001
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-server-header", "--proxy-headers", \
     "--forwarded-allow-ips", "*"]
