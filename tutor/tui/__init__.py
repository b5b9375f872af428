"""The Textual tutor: course map, lessons with checked exercises, live training, playground."""
