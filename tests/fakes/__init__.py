"""Fakes of the providers' real HTTP APIs, served by aiohttp on 127.0.0.1."""
